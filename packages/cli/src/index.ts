/** @convlab/cli: the `convlab` command (bin/convlab.js) and what subcommand files build on. */
export { main, buildProgram, discoverCommands } from './main';
export { defineCommand, CliError, type CliCommand, type CliOptions } from './command.types';
export { createContext, processOutput, type CliContext, type CliOutput } from './context';
export { initBackend, CLI_BACKENDS } from './backend';
