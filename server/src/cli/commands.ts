// The one table of `dvs` commands. Each row gives a command's name, its line in `dvs --help`, the flags it accepts and
// how to load its handler; `cli/main.ts` parses, dispatches and prints the help from this table alone, and
// `test/cli/command-table.test.ts` checks the README's command table and the help against it. Handlers are imported
// only when their command runs, so `dvs check` never loads PGlite, sql-formatter or the cloud clients.
import type { FlagSpec, ParsedArgs } from './args';
import type { CliIo } from './io';

export type CommandHandler = (args: ParsedArgs, io: CliIo) => Promise<number>;

export interface CliCommand {
  name: string;
  /** Its line in `dvs --help`; a `\n` continues it on the next line, indented under the first. */
  summary: string;
  /** Every flag it accepts: any other flag is a usage error (exit 2). */
  flags: Record<string, FlagSpec>;
  /** Imports the command's module when the command runs. */
  load(): Promise<CommandHandler>;
}

/** The flags every command that opens a project takes; `COMMON_FLAGS_HELP` describes them in `dvs --help`. */
export const COMMON: Record<string, FlagSpec> = {
  project: { value: true },
  target: { value: true },
  'profiles-dir': { value: true },
  vars: { value: true },
  'automate-dv-version': { value: true },
  'automate-dv-macros': { value: true },
};

export const COMMON_FLAGS_HELP = `Common flags: --project DIR  --target NAME  --profiles-dir DIR  --vars JSON  --automate-dv-version X.Y.Z
              --automate-dv-macros installed|emulated (default: the installed package's own macros when present)
`;

const SELECT: Record<string, FlagSpec> = { select: { value: true, many: true }, exclude: { value: true, many: true } };

/** Every command, in the order `dvs --help` lists them. */
export const CLI_COMMANDS: readonly CliCommand[] = [
  {
    name: 'check',
    summary: 'parse every model and report diagnostics (exit 1 on any error)',
    flags: { ...COMMON, format: { value: true }, 'verify-emulation': {} },
    load: async () => {
      // Before the check's code loads: its functions then run longer before V8 optimizes them (cli/v8-tuning.ts),
      // and its bundle comes with the bytecode V8 compiled for it last time (cli/code-cache.ts).
      (await import('./v8-tuning')).tuneV8ForBatchRun();
      (await import('./code-cache')).loadSiblingWithCodeCache('cli-check.js');
      return (await import('./check')).runCheck;
    },
  },
  {
    name: 'compile',
    summary: 'write compiled SQL to target/compiled/ (or --stdout for one model), unformatted as dbt writes it;\n--pretty formats it',
    flags: { ...COMMON, ...SELECT, incremental: {}, out: { value: true }, stdout: {}, pretty: {}, 'run-started-at': { value: true } },
    load: async () => {
      (await import('./code-cache')).loadSiblingWithCodeCache('cli-compile.js');
      return (await import('./compile')).runCompile;
    },
  },
  {
    name: 'load',
    summary: 'build the selected models in dependency order',
    flags: { ...COMMON, ...SELECT, 'full-refresh': {}, 'run-started-at': { value: true }, format: { value: true }, explain: {} },
    load: async () => (await import('./load')).runLoadCommand,
  },
  {
    name: 'seed',
    summary: 'load the seed CSVs into tables (like dbt seed)',
    flags: { ...COMMON, ...SELECT, 'full-refresh': {}, format: { value: true } },
    load: async () => (await import('./seed')).runSeedCommand,
  },
  {
    name: 'test',
    summary: 'run the generic tests declared in properties .yml (like dbt test)',
    flags: { ...COMMON, ...SELECT, format: { value: true } },
    load: async () => (await import('./run-tests')).runTestCommand,
  },
  {
    name: 'query',
    summary: "run SQL on the target and print the last statement's rows",
    flags: { ...COMMON, format: { value: true }, file: { value: true } },
    load: async () => (await import('./query')).runQuery,
  },
  {
    name: 'schema',
    summary: 'list tables, columns and types of the target',
    flags: { ...COMMON, schema: { value: true }, format: { value: true } },
    load: async () => (await import('./query')).runSchema,
  },
  {
    name: 'generate-raw',
    summary: 'write Airbyte Faker-like syncs into the raw schema',
    flags: { ...COMMON, users: { value: true }, seed: { value: true }, anchor: { value: true }, syncs: { value: true }, 'no-changes': {} },
    load: async () => (await import('./generate')).runGenerateRaw,
  },
  {
    name: 'deps',
    summary: 'install the packages of packages.yml into dbt_packages/ (like dbt deps)',
    flags: { project: { value: true } },
    load: async () => (await import('./deps')).runDepsCommand,
  },
  {
    name: 'dashboard',
    summary: "draw the Superset export's dashboard from the marts into one HTML file (default\ntarget/dashboard.html; --out FILE)",
    flags: { ...COMMON, out: { value: true } },
    load: async () => (await import('./dashboard')).runDashboardCommand,
  },
];

/** The column the summaries start in, after two spaces and the padded name. */
const SUMMARY_INDENT = 17;

/** `dvs --help`: the command list comes from the table, one line per command (more where its summary wraps). */
export function helpText(commands: readonly CliCommand[] = CLI_COMMANDS): string {
  const lines = commands.map((c) => `  ${c.name.padEnd(SUMMARY_INDENT - 2)}${c.summary.split('\n').join(`\n${' '.repeat(SUMMARY_INDENT)}`)}`);
  return `dvs — Data Vault Studio on the command line

Usage: dvs <command> [flags]

Commands:
${lines.join('\n')}

${COMMON_FLAGS_HELP}`;
}

/** The flags of every command by name, as `parseArgs` takes them. */
export function flagSpecs(commands: readonly CliCommand[] = CLI_COMMANDS): Record<string, Record<string, FlagSpec>> {
  return Object.fromEntries(commands.map((c) => [c.name, c.flags]));
}
