import { Command, CommanderError } from 'commander';
import { StartupError, SwitchboardError } from '../errors.js';
import { version } from '../version.js';
import { registerConnect } from './connect.js';
import { registerImport } from './import.js';
import { registerInit } from './init.js';
import { registerKeys } from './keys.js';
import { registerPrepare } from './prepare.js';
import { RemoteError } from './rest-client.js';
import { registerServe } from './serve.js';

export function buildProgram(): Command {
  const program = new Command('switchboard')
    .description('Self-hosted tool router for AI agents')
    .version(version)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerServe(program);
  registerInit(program);
  registerKeys(program);
  registerConnect(program);
  registerImport(program);
  registerPrepare(program);
  return program;
}

/** Runs the CLI; known failures print one actionable line and exit 1, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof StartupError || error instanceof RemoteError || error instanceof SwitchboardError) {
      process.stderr.write(`switchboard: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
