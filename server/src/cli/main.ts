// Dispatch of `dvs` commands. Each command lives in its own module; this file knows the flags and the exit codes.
import { flagValue, hasFlag, parseArgs, UsageError, type FlagSpec, type ParsedArgs } from './args';
import { runCheck } from './check';
import { runCompile } from './compile';
import { CliFailure, type CliIo } from './io';

const COMMON: Record<string, FlagSpec> = {
  project: { value: true },
  target: { value: true },
  'profiles-dir': { value: true },
  vars: { value: true },
  'automate-dv-version': { value: true },
  'automate-dv-macros': { value: true },
};

export const COMMANDS: Record<string, Record<string, FlagSpec>> = {
  check: { ...COMMON, format: { value: true }, 'verify-emulation': {} },
  compile: {
    ...COMMON,
    select: { value: true, many: true },
    exclude: { value: true, many: true },
    incremental: {},
    out: { value: true },
    stdout: {},
    pretty: {},
    'run-started-at': { value: true },
  },
  load: {
    ...COMMON,
    select: { value: true, many: true },
    exclude: { value: true, many: true },
    'full-refresh': {},
    'run-started-at': { value: true },
    format: { value: true },
    explain: {},
  },
  seed: {
    ...COMMON,
    select: { value: true, many: true },
    exclude: { value: true, many: true },
    'full-refresh': {},
    format: { value: true },
  },
  test: {
    ...COMMON,
    select: { value: true, many: true },
    exclude: { value: true, many: true },
    format: { value: true },
  },
  query: { ...COMMON, format: { value: true }, file: { value: true } },
  deps: { project: { value: true } },
  dashboard: { ...COMMON, out: { value: true } },
  schema: { ...COMMON, schema: { value: true }, format: { value: true } },
  'generate-raw': {
    ...COMMON,
    users: { value: true },
    seed: { value: true },
    anchor: { value: true },
    syncs: { value: true },
    'no-changes': {},
  },
};

const HELP = `dvs — Data Vault Studio on the command line

Usage: dvs <command> [flags]

Commands:
  check          parse every model and report diagnostics (exit 1 on any error)
  compile        write compiled SQL to target/compiled/ (or --stdout for one model), unformatted as dbt writes it;
                 --pretty formats it
  load           build the selected models in dependency order
  seed           load the seed CSVs into tables (like dbt seed)
  test           run the generic tests declared in properties .yml (like dbt test)
  query          run SQL on the target and print the last statement's rows
  schema         list tables, columns and types of the target
  generate-raw   write Airbyte Faker-like syncs into the raw schema
  deps           install the packages of packages.yml into dbt_packages/ (like dbt deps)
  dashboard      draw the Superset export's dashboard from the marts into one HTML file (default
                 target/dashboard.html; --out FILE)

Common flags: --project DIR  --target NAME  --profiles-dir DIR  --vars JSON  --automate-dv-version X.Y.Z
              --automate-dv-macros installed|emulated (default: the installed package's own macros when present)
`;

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
    args = parseArgs(argv, COMMANDS);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`dvs: ${error.message}\nRun 'dvs --help' for usage.\n`);
      return 2;
    }
    throw error;
  }
  if (args.command === 'help') {
    io.out(HELP);
    return 0;
  }
  try {
    switch (args.command) {
      case 'check':
        return await runCheck(args, io);
      case 'compile':
        return await runCompile(args, io);
      default: {
        const mod = await loadCommand(args.command);
        return await mod(args, io);
      }
    }
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

/** Commands that need the warehouse are loaded on demand, so `dvs check` starts fast. */
async function loadCommand(command: string): Promise<(args: ParsedArgs, io: CliIo) => Promise<number>> {
  switch (command) {
    case 'load':
      return (await import('./load')).runLoadCommand;
    case 'seed':
      return (await import('./seed')).runSeedCommand;
    case 'test':
      return (await import('./test')).runTestCommand;
    case 'query':
      return (await import('./query')).runQuery;
    case 'schema':
      return (await import('./query')).runSchema;
    case 'generate-raw':
      return (await import('./generate')).runGenerateRaw;
    case 'deps':
      return (await import('./deps')).runDepsCommand;
    case 'dashboard':
      return (await import('./dashboard')).runDashboardCommand;
    default:
      throw new UsageError(`unknown command '${command}'.`);
  }
}

export { flagValue, hasFlag };
