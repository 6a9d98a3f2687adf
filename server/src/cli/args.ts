// Command-line parsing for `dvs`: one command word, then flags. Flags are declared per command so that an unknown
// flag is a usage error (exit 2) with a hint, as CONTRACTS.md requires.

export interface FlagSpec {
  /** Takes a value (`--target dev`); otherwise a boolean switch. */
  value?: boolean;
  /** May take several values (`--select +a b+`): every following word up to the next flag. */
  many?: boolean;
}

export interface ParsedArgs {
  command: string;
  flags: Map<string, string[]>;
  positionals: string[];
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseArgs(argv: string[], specs: Record<string, Record<string, FlagSpec>>): ParsedArgs {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    return { command: 'help', flags: new Map(), positionals: [] };
  }
  const spec = specs[command];
  if (!spec) throw new UsageError(`unknown command '${command}'. Commands: ${Object.keys(specs).join(', ')}.`);
  const flags = new Map<string, string[]>();
  const positionals: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as string;
    if (!word.startsWith('--') || word === '--') {
      positionals.push(word);
      continue;
    }
    let name = word.slice(2);
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const flag = spec[name];
    if (!flag) {
      const known = Object.keys(spec).map((f) => `--${f}`).join(', ');
      throw new UsageError(`unknown flag '--${name}' for 'dvs ${command}'. Flags: ${known || '(none)'}.`);
    }
    const values = flags.get(name) ?? [];
    if (!flag.value) {
      if (inline !== undefined) throw new UsageError(`flag '--${name}' takes no value.`);
      flags.set(name, values);
      continue;
    }
    if (inline !== undefined) {
      values.push(inline);
    } else if (flag.many) {
      let taken = 0;
      while (i + 1 < rest.length && !(rest[i + 1] as string).startsWith('--')) {
        values.push(rest[++i] as string);
        taken++;
      }
      if (taken === 0) throw new UsageError(`flag '--${name}' needs a value.`);
    } else {
      const next = rest[i + 1];
      if (next === undefined || next.startsWith('--')) throw new UsageError(`flag '--${name}' needs a value.`);
      values.push(next);
      i++;
    }
    flags.set(name, values);
  }
  return { command, flags, positionals };
}

/** The last value of a flag, or undefined. */
export function flagValue(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags.get(name);
  return v && v.length ? v[v.length - 1] : undefined;
}

export function hasFlag(args: ParsedArgs, name: string): boolean {
  return args.flags.has(name);
}

/** The value of --format, one of `allowed` (`fallback` without the flag); any other value is a usage error. */
export function formatFlag<F extends string>(args: ParsedArgs, allowed: readonly F[], fallback: F): F {
  const format = flagValue(args, 'format') ?? fallback;
  if (!(allowed as readonly string[]).includes(format)) throw new UsageError(`--format must be ${allowed.join(' or ')}, not '${format}'.`);
  return format as F;
}

/** Selector words: separate arguments or one space-separated string both mean the union (CONTRACTS.md). */
export function selectorWords(args: ParsedArgs, name: string): string[] {
  return (args.flags.get(name) ?? []).flatMap((v) => v.split(/\s+/)).filter((w) => w.length > 0);
}
