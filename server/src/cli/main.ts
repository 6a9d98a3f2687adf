// Dispatch of `dvs` commands: parses the command line against the command table (`cli/commands.ts`), runs the
// command's handler and turns its failures into the exit codes (2 usage or configuration, 1 the work failed).
import { flagValue, hasFlag, parseArgs, UsageError, type ParsedArgs } from './args';
import { CLI_COMMANDS, flagSpecs, helpText } from './commands';
import { CliFailure, type CliIo } from './io';

export function defaultIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    isTTY: process.stderr.isTTY === true,
  };
}

export async function runCli(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, flagSpecs());
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`dvs: ${error.message}\nRun 'dvs --help' for usage.\n`);
      return 2;
    }
    throw error;
  }
  if (args.command === 'help') {
    io.out(helpText());
    return 0;
  }
  try {
    const command = CLI_COMMANDS.find((c) => c.name === args.command);
    if (!command) throw new UsageError(`unknown command '${args.command}'.`);
    const run = await command.load();
    return await run(args, io);
  } catch (error) {
    if (error instanceof CliFailure) {
      io.err(`dvs: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof UsageError) {
      io.err(`dvs: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

export { flagValue, hasFlag };
