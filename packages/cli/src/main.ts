/**
 * `convlab` entry: global options, subcommands discovered from `commands/*.command.ts` (see command.types.ts), and
 * one place that turns errors into a message and an exit status.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { CLI_BACKENDS } from './backend';
import { CliError, type CliCommand } from './command.types';
import { createContext, processOutput } from './context';

const COMMANDS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'commands');

/** Loads every `*.command.ts` in the commands folder, in help order. */
export async function discoverCommands(dir = COMMANDS_DIR): Promise<CliCommand[]> {
  const files = readdirSync(dir).filter((f) => /\.command\.[cm]?[jt]s$/.test(f) && !f.includes('.test.'));
  const commands: CliCommand[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(dir, f)).href)) as { default?: CliCommand };
    if (!mod.default?.name || typeof mod.default.run !== 'function') {
      throw new Error(`${f}: the default export must be a command (use defineCommand)`);
    }
    commands.push(mod.default);
  }
  return commands.sort((a, b) => (a.order ?? 100) - (b.order ?? 100) || a.name.localeCompare(b.name));
}

/** Builds the commander program with all subcommands. */
export async function buildProgram(): Promise<Command> {
  const program = new Command('convlab')
    .description('ConvLab: look inside convolutional networks from a terminal')
    .addOption(new Option('--backend <name>', 'tfjs backend').choices([...CLI_BACKENDS]).default(process.env.CONVLAB_BACKEND ?? 'wasm'))
    .option('--models-dir <dir>', 'models folder (layout of ../shared/models), tried before CONVLAB_MODELS_DIR')
    .option('--labels-dir <dir>', 'labels folder (default: CONVLAB_LABELS_DIR or ../shared/labels)')
    .option('--offline', 'never download models')
    .showHelpAfterError()
    .exitOverride();
  for (const c of await discoverCommands()) {
    const cmd = c.configure(program.command(c.name).description(c.summary)).exitOverride();
    cmd.action(async (_opts: unknown, command: Command) => {
      const options = command.optsWithGlobals();
      const ctx = await createContext(options, processOutput());
      try {
        await c.run(options, ctx, command.args);
      } finally {
        ctx.dispose();
      }
    });
  }
  return program;
}

/** Runs the CLI on `argv` (process.argv layout) and returns the exit status. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram();
    if (argv.length <= 2) {
      program.outputHelp();
      return 2;
    }
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit with 0; commander already printed its message.
      return err.exitCode === 0 || err.code === 'commander.helpDisplayed' || err.code === 'commander.help' ? 0 : 2;
    }
    const name = argv[2] && !argv[2].startsWith('-') ? ` ${argv[2]}` : '';
    process.stderr.write(`convlab${name}: ${(err as Error).message}\n`);
    if (process.env.CONVLAB_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return err instanceof CliError && err.usage ? 2 : 1;
  }
}
