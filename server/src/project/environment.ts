// The environment `env_var()` reads: the process environment over a `.env` file in the project folder.
// dbt itself does not read `.env` (users `export $(xargs < .env)` first); Data Vault Studio does, so the editor and
// `dvs` work from the same settings without a shell step. The real process environment always wins over `.env`.
import { joinPath, type FileSystem } from './file-system';

export interface ProjectEnvironment {
  /** Value of a variable, process environment first, then `.env`. */
  get(name: string): string | undefined;
  /** Where a variable's value comes from, for messages ("set in .env"). */
  originOf(name: string): 'process' | '.env' | undefined;
  /** The `.env` file that was read, if any. */
  readonly dotenvFile: string | undefined;
}

/** Parses `.env` text: `KEY=value`, optional `export `, single or double quotes, `#` comments. Bad lines are skipped. */
export function parseDotenv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = m[1] as string;
    let value = m[2] ?? '';
    const quote = value[0];
    if (quote === '"' || quote === "'") {
      // A quoted value may span lines until its closing quote.
      let body = value.slice(1);
      let close = findClosingQuote(body, quote);
      while (close < 0 && i + 1 < lines.length) {
        i++;
        body += '\n' + (lines[i] ?? '');
        close = findClosingQuote(body, quote);
      }
      value = close < 0 ? body : body.slice(0, close);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    } else {
      const hash = value.search(/\s#/);
      if (hash >= 0) value = value.slice(0, hash);
      value = value.trim();
    }
    vars.set(key, value);
  }
  return vars;
}

function findClosingQuote(s: string, quote: string): number {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && quote === '"') {
      i++;
      continue;
    }
    if (s[i] === quote) return i;
  }
  return -1;
}

/** The environment for a project: `processEnv` over `<projectRoot>/.env` when that file exists. */
export function projectEnvironment(projectRoot: string, files: FileSystem, processEnv: Readonly<Record<string, string | undefined>>): ProjectEnvironment {
  const dotenvPath = joinPath(projectRoot, '.env');
  const text = files.readFile(dotenvPath);
  const dotenv = text === undefined ? new Map<string, string>() : parseDotenv(text);
  return {
    get(name: string): string | undefined {
      const fromProcess = processEnv[name];
      return fromProcess !== undefined ? fromProcess : dotenv.get(name);
    },
    originOf(name: string) {
      if (processEnv[name] !== undefined) return 'process';
      return dotenv.has(name) ? '.env' : undefined;
    },
    dotenvFile: text === undefined ? undefined : dotenvPath,
  };
}
