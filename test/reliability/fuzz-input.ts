// Inputs for the fuzz tests: real model files (the sample project, the parser's and the rules' fixtures, generated
// stages) mutated by cuts, copies and inserted tokens, YAML metadata blocks built from random pieces, and plain
// random text. Runs and seed come from the environment so `npm run fuzz` can run long with a fresh seed.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Span } from '../../server/src/base/text';

export const REPO = join(__dirname, '..', '..');

export interface FuzzSettings {
  seed: number;
  /** Scales every test's run count (1 in `npm test`). */
  scale: number;
  /** Stop a property after this long (long runs only); undefined = run the full count. */
  timeLimitMs: number | undefined;
}

export function fuzzSettings(): FuzzSettings {
  const seed = Number(process.env.DVS_FUZZ_SEED ?? 20240623);
  const scale = Number(process.env.DVS_FUZZ_SCALE ?? 1);
  const time = process.env.DVS_FUZZ_TIME_MS ? Number(process.env.DVS_FUZZ_TIME_MS) : undefined;
  return { seed: Number.isFinite(seed) ? seed : 20240623, scale: Number.isFinite(scale) && scale > 0 ? scale : 1, timeLimitMs: time };
}

/** fast-check parameters for one property: seeded, a fixed number of runs, optionally a time limit (long mode). */
export function runParameters(runs: number): fc.Parameters<unknown> {
  const s = fuzzSettings();
  return {
    seed: s.seed,
    numRuns: Math.max(1, Math.round(runs * s.scale)),
    ...(s.timeLimitMs !== undefined ? { interruptAfterTimeLimit: s.timeLimitMs, markInterruptAsFailure: false } : {}),
  };
}

function sqlFilesUnder(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sqlFilesUnder(p, out);
    else if (name.endsWith('.sql')) out.push(p);
  }
}

/** Model files to mutate: the sample project's, the parser's and the rules' fixtures. Never empty. */
export function modelCorpus(): string[] {
  const files: string[] = [];
  sqlFilesUnder(join(REPO, 'sample-project', 'models'), files);
  sqlFilesUnder(join(REPO, 'test', 'model', 'fixtures'), files);
  sqlFilesUnder(join(REPO, 'test', 'rules', 'fixtures'), files);
  const texts = files.map((f) => readFileSync(f, 'utf8')).filter((t) => t.length > 0 && t.length < 20_000);
  texts.push(VARIABLES_STAGE, POSITIONAL_LINK);
  return texts;
}

const VARIABLES_STAGE = `{%- set source_model = {"raw": "users"} -%}
{%- set derived_columns = {"RECORD_SOURCE": "!RAW.USERS", "LOAD_DATE": "_airbyte_extracted_at", "USER_ID": "id"} -%}
{%- set hashed_columns = {"USER_HK": "USER_ID", "USER_HASHDIFF": {"is_hashdiff": true, "columns": ["NAME", "EMAIL"]}} -%}
{{ automate_dv.stage(include_source_columns=true, source_model=source_model, derived_columns=derived_columns,
                     null_columns=none, hashed_columns=hashed_columns, ranked_columns=none) }}
`;

const POSITIONAL_LINK = `{{ dbtvault.link("PURCHASE_HK", ["USER_HK", "PRODUCT_HK"], "LOAD_DATE", "RECORD_SOURCE", "stg_purchases") }}
`;

/** Tokens that matter to the Jinja lexer, the YAML reader, the model parser and the SQL around them. */
export const TOKENS = [
  '{{', '}}', '{%', '%}', '{%-', '-%}', '{#', '#}', '{%- set yaml_metadata -%}', '{%- endset -%}', 'fromyaml(', 'metadata_dict[',
  'automate_dv.', 'dbtvault.', 'stage(', 'hub(', 'link(', 'sat(', 'eff_sat(', 'ma_sat(', 't_link(', 'pit(', 'bridge(', 'xts(',
  'ref(', "ref('stg_users')", 'source(', "source('raw', 'users')", 'config(', 'var(', 'env_var(', 'is_incremental()',
  'src_pk=', 'src_nk=', 'src_fk=', 'src_hashdiff=', 'src_payload=', 'src_ldts=', 'src_source=', 'source_model=',
  'is_hashdiff: true', 'columns:', 'exclude_columns: true', '  - ', '- ', ': ', ':', '\n', '\n  ', '\n    ', '\t', '  ',
  "'", '"', '\\', '!', '!CONST', "!O'BRIEN", '&anchor', '*anchor', '<<: ', '---', '...', '|', '>', '[', ']', '{', '}', '(', ')',
  ',', '.', '=', '~', '+', '-', '*', '/', '%', 'none', 'None', 'true', 'false', 'null', '~', 'loop', 'range(3)', 'for', 'endfor',
  'if', 'endif', 'else', 'macro', 'endmacro', 'USER_HK', 'USER_ID', 'LOAD_DATE', 'RECORD_SOURCE', 'NAME', 'EMIAL',
  'select', 'from', ';', '--', '/*', '*/', '$$', 'é', 'Ω', '日本', '\u0000', '\uFFFD', '\uD800', '\uDC00', '\u202E', '\r\n', '\r',
  '0', '1', '-1', '1e309', '0x10', '2024-06-23',
];

export type Mutation =
  | { kind: 'insert'; at: number; token: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'duplicate'; at: number; length: number; to: number }
  | { kind: 'replace'; at: number; char: string }
  | { kind: 'truncate'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom(...TOKENS) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 80 }), to: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), char: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
);

export function applyMutation(text: string, m: Mutation): string {
  const n = text.length;
  const at = n === 0 ? 0 : m.at % (n + 1);
  switch (m.kind) {
    case 'insert':
      return text.slice(0, at) + m.token + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'duplicate': {
      const piece = text.slice(at, at + m.length);
      const to = n === 0 ? 0 : m.to % (n + 1);
      return text.slice(0, to) + piece + text.slice(to);
    }
    case 'replace':
      return at >= n ? text + m.char : text.slice(0, at) + m.char + text.slice(at + 1);
    case 'truncate':
      return text.slice(0, at);
  }
}

/** A corpus file with one to six mutations. */
export function mutatedModel(corpus: readonly string[]): fc.Arbitrary<string> {
  return fc
    .record({ base: fc.constantFrom(...corpus), mutations: fc.array(mutation, { minLength: 1, maxLength: 6 }) })
    .map(({ base, mutations }) => mutations.reduce(applyMutation, base));
}

const YAML_KEYS = ['source_model', 'src_pk', 'src_nk', 'src_fk', 'src_hashdiff', 'src_payload', 'src_ldts', 'src_source', 'derived_columns', 'hashed_columns', 'columns', 'is_hashdiff', 'raw', 'USER_HK', '? complex', '"quoted key"', 'x'];
const YAML_VALUES = ["'stg_users'", '"USER_HK"', 'USER_ID', '!CONST', "'!O''BRIEN'", 'true', 'no', '~', 'null', '1', '1.5', '0o17', '2024-01-01', '[a, b]', '{k: v}', '[', '{', '|', '>-', '&a x', '*a', '!!str 1', '@bad', '`tick`', "'unclosed", '"esc \\u00e9"', ''];

/** A yaml_metadata block of random keys, values, lists and indentation, inside a model that reads it with fromyaml. */
export const yamlModel: fc.Arbitrary<string> = fc
  .array(
    fc.record({
      indent: fc.constantFrom('', '', '  ', '    ', '\t', ' '),
      key: fc.constantFrom(...YAML_KEYS),
      value: fc.constantFrom(...YAML_VALUES),
      list: fc.array(fc.constantFrom(...YAML_VALUES), { maxLength: 3 }),
    }),
    { minLength: 0, maxLength: 12 },
  )
  .chain((entries) =>
    fc.constantFrom('hub', 'link', 'sat', 'stage', 'eff_sat', 'pit').map((macro) => {
      const body = entries
        .map((e) => `${e.indent}${e.key}: ${e.value}${e.list.map((v) => `\n${e.indent}  - ${v}`).join('')}`)
        .join('\n');
      return (
        `{%- set yaml_metadata -%}\n${body}\n{%- endset -%}\n\n{% set metadata_dict = fromyaml(yaml_metadata) %}\n\n` +
        `{{ automate_dv.${macro}(src_pk=metadata_dict['src_pk'], src_nk=metadata_dict['src_nk'], src_fk=metadata_dict['src_fk'],\n` +
        `    src_hashdiff=metadata_dict['src_hashdiff'], src_payload=metadata_dict['src_payload'], src_ldts=metadata_dict['src_ldts'],\n` +
        `    src_source=metadata_dict['src_source'], source_model=metadata_dict['source_model'],\n` +
        `    derived_columns=metadata_dict['derived_columns'], hashed_columns=metadata_dict['hashed_columns']) }}\n`
      );
    }),
  );

/** Random model text: mutated real files most of the time, random YAML blocks, token soup and raw strings. */
export function modelText(corpus: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: mutatedModel(corpus) },
    { weight: 2, arbitrary: yamlModel },
    { weight: 1, arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }).map((t) => t.join('')) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );
}

/** A span that a document of this length can hold. */
export function spanInside(span: Span | undefined, length: number): boolean {
  return span === undefined || (Number.isInteger(span.start) && Number.isInteger(span.end) && span.start >= 0 && span.start <= span.end && span.end <= length);
}

/** Every `span`/`*Span` field in a value (a parsed model), for the inside-the-text check. */
export function collectSpans(value: unknown, out: Span[] = [], seen = new Set<unknown>()): Span[] {
  if (!value || typeof value !== 'object' || seen.has(value)) return out;
  seen.add(value);
  if (value instanceof Map) {
    for (const v of value.values()) collectSpans(v, out, seen);
    return out;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectSpans(v, out, seen);
    return out;
  }
  for (const [k, v] of Object.entries(value)) {
    if ((k === 'span' || k.endsWith('Span')) && v && typeof v === 'object' && 'start' in v) out.push(v as Span);
    // A YAML problem is a parser note, checked where it becomes a diagnostic.
    else if (k !== 'template' && k !== 'problems') collectSpans(v, out, seen);
  }
  return out;
}
