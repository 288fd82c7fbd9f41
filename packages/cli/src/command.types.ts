/**
 * A `convlab` subcommand. Adding one is adding one file `src/commands/<name>.command.ts` whose default export is a
 * {@link CliCommand} (wrap it in {@link defineCommand} for type checking); `main.ts` finds the files by name.
 *
 * ```ts
 * export default defineCommand({
 *   name: 'saliency',
 *   summary: 'gradient of a class score with respect to the pixels, as a PNG',
 *   order: 50,
 *   configure: (cmd) => cmd.requiredOption('--model <id|path>', 'model').requiredOption('--image <file>', 'image'),
 *   async run(opts, ctx) {
 *     const model = await ctx.loadModel(String(opts.model));
 *     const x = await ctx.readImageInput(String(opts.image), model.meta);
 *     ...
 *     ctx.out.json({ ... }) or ctx.out.line('...');
 *   },
 * });
 * ```
 */
import type { Command } from 'commander';
import type { CliContext } from './context';

/** Options as commander parsed them (the command's own and the global ones). */
export type CliOptions = Record<string, unknown>;

/** One subcommand of `convlab`. */
export interface CliCommand {
  /** The word after `convlab`. */
  name: string;
  /** One line for `convlab --help`. */
  summary: string;
  /** Position in the help list (smaller first; default 100). */
  order?: number;
  /** Declares options and arguments on the commander command. */
  configure(cmd: Command): Command;
  /**
   * Does the work. Throw a {@link CliError} (or any Error) for bad input: main prints `convlab <name>: <message>`
   * and exits with status 1 (2 for usage errors).
   */
  run(options: CliOptions, ctx: CliContext, args: string[]): Promise<void>;
}

/** Identity helper that gives a command object its type. */
export function defineCommand(command: CliCommand): CliCommand {
  return command;
}

/** An error whose message is shown to the user as is; `usage` errors exit with status 2. */
export class CliError extends Error {
  constructor(message: string, readonly usage = false) {
    super(message);
    this.name = 'CliError';
  }
}
