// The `dvs` command line: parses arguments and wires them to the core. Data goes to stdout, everything for people to
// stderr; exit 0 success, 1 the work found errors, 2 bad usage or configuration (CONTRACTS.md).
import { runCli } from './cli/main';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`dvs: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
