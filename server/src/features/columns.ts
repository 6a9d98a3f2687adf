// The columns a model file can name, described for people: a stage's output columns (source, derived, null, hashed,
// ranked) with type, origin, hash expression and where each is defined, and the raw columns a stage reads with
// where that knowledge comes from (live schema, cache, sources yml). Completion, hover and definition share these.
import { basename } from 'node:path';
import type { Span } from '../base/text';
import { hashExpression } from '../compile/automate-dv/hashing';
import type { StageColumn } from '../compile/automate-dv/stage-columns';
import { isTimestamptz, type KnownColumns, type VaultIndex } from '../rules';
import { canonicalColumn } from '../rules/stage-aliases';
import { sameName, type StageFacts } from '../rules/vault-facts';
import type { FeatureProject, SchemaState, SourceTableInfo } from './project-view';

export type ColumnRole = 'hash-key' | 'hashdiff' | 'business-key' | 'load-date' | 'record-source' | 'effective-from' | 'payload' | 'metadata';

export interface DescribedColumn {
  name: string;
  type?: string;
  /** For the completion detail: `raw.users (live)`, `stg_users: hashed from USER_ID`. */
  origin: string;
  role: ColumnRole;
  /** Markdown: what it is, how it is hashed. */
  documentation: string;
  /** Where the column is defined in a model file (a derived or hashed column's key). */
  definedAt?: { model: string; span: Span };
  /** For a raw column declared in a sources yml: where. */
  declaredAt?: { file: string; span: Span };
  hash?: { columns: string[]; isHashdiff: boolean; expression: string };
}

const LOAD_DATE = /^(load_?date(time)?|ldts|loaded_at|load_dts)$/i;
/** Columns a loader adds (Airbyte, Stitch, dbt): bookkeeping, not business data. */
const LOADER_COLUMN = /^_(airbyte|sdc|dbt|fivetran)_/i;
const RECORD_SOURCE = /^(record_?source|rsrc|rec_src|source_system)$/i;
const EFFECTIVE_FROM = /^(effective_?from|eff(_from)?|valid_from)$/i;

/** The role a column name alone tells (load date, record source, effective from, loader bookkeeping). */
export function roleOfName(name: string): ColumnRole | undefined {
  if (LOADER_COLUMN.test(name)) return 'metadata';
  if (LOAD_DATE.test(name)) return 'load-date';
  if (RECORD_SOURCE.test(name)) return 'record-source';
  if (EFFECTIVE_FROM.test(name)) return 'effective-from';
  return undefined;
}

/** `(live)`, `(cached 2026-11-26 14:02, database unreachable)`, `(declared in models/sources.yml)`. */
export function knowledgeLabel(origin: KnownColumns['origin'], state: SchemaState, declaredIn = 'sources yml', missing = false): string {
  if (origin === 'declared') {
    const why = missing ? '; not in the database' : state.problem ? '; database unreachable' : '';
    return `(declared in ${declaredIn}${why})`;
  }
  if (origin === 'static') return '(computed)';
  if (origin === 'live') return '(live)';
  const when = state.refreshedAt ? ` ${state.refreshedAt.slice(0, 16).replace('T', ' ')}` : '';
  return state.problem ? `(cached${when}, database unreachable)` : `(cached${when}, not refreshed yet)`;
}

/** The relation a stage reads, as people name it: `raw.users` for a source, the model name for a ref. */
export function stageSourceLabel(stage: StageFacts): string {
  if (stage.source?.kind === 'source') return `${stage.source.source.value}.${stage.source.table.value}`;
  if (stage.source?.kind === 'ref') return stage.source.model.value;
  return 'its source';
}

/** The raw columns a stage reads (its source_model), described with their knowledge origin. */
export function stageSourceColumns(project: FeatureProject, index: VaultIndex, stageName: string): DescribedColumn[] {
  const stage = index.stage(stageName);
  const output = index.stageOutput(stageName);
  const declared = stage?.source?.kind === 'source' ? project.sourceTable(stage.source.source.value, stage.source.table.value) : undefined;
  // A declared table the database lacks (not loaded yet) still offers the columns its yml declares: the findings
  // say the table is missing (DV303), and completion keeps helping meanwhile.
  const known = output?.source ?? declaredColumns(declared);
  if (!stage || !known) return [];
  const label = stageSourceLabel(stage);
  const declaredIn = declared ? (declared.path ?? basename(declared.file)) : undefined;
  const where = knowledgeLabel(known.origin, project.schemaState(), declaredIn, output?.sourceMissing === true);
  return known.columns.map((c) => {
    const yml = declared?.columns.find((d) => sameName(d.name, c.name));
    const type = c.dataType || yml?.dataType;
    const docs = [`**${c.name}**${type ? ` \`${type}\`` : ''} — column of \`${label}\` ${where}`];
    if (yml?.description) docs.push(yml.description);
    if (isTimestamptz(type)) docs.push('A timestamptz prints in the session TimeZone: hashing it directly makes hashes depend on it (DV410).');
    const out: DescribedColumn = { name: c.name, origin: `${label} ${where}`, role: roleOfName(c.name) ?? 'payload', documentation: docs.join('\n\n') };
    if (type) out.type = type;
    if (declared && yml) out.declaredAt = { file: declared.file, span: yml.span };
    return out;
  });
}

function declaredColumns(table: SourceTableInfo | undefined): KnownColumns | undefined {
  if (!table || table.columns.length === 0) return undefined;
  return { columns: table.columns.map((c) => ({ name: c.name, dataType: c.dataType ?? '' })), origin: 'declared' };
}

/** A stage's output columns with what each is and where it comes from; undefined when the model is not a stage. */
export function stageOutputDescribed(project: FeatureProject, index: VaultIndex, stageName: string): DescribedColumn[] | undefined {
  const stage = index.stage(stageName);
  const output = index.stageOutput(stageName);
  if (!stage || !output) return undefined;
  const raw = stageSourceColumns(project, index, stageName);
  const options = project.hashOptions();
  const businessKeys = new Set<string>();
  for (const h of stage.hashed) if (!h.isHashdiff && h.form !== 'exclude') for (const c of h.components) businessKeys.add(canonicalColumn(stage, c.value));
  return output.columns.map((c) => describeStageColumn(stageName, stage, c, raw, businessKeys, options, index));
}

function describeStageColumn(
  stageName: string,
  stage: StageFacts,
  c: StageColumn,
  raw: readonly DescribedColumn[],
  businessKeys: ReadonlySet<string>,
  options: ReturnType<FeatureProject['hashOptions']>,
  index: VaultIndex,
): DescribedColumn {
  const named = roleOfName(c.name);
  const fromRaw = raw.find((r) => sameName(r.name, c.name));
  switch (c.origin) {
    case 'hashed': {
      const spec = stage.hashed.find((h) => sameName(h.name, c.name));
      const columns = c.hash?.columns ?? [];
      const isHashdiff = c.hash?.isHashdiff ?? false;
      let expression = '';
      try {
        expression = hashExpression(c.hash?.single ? (columns[0] ?? c.name) : columns, { ...options, isHashdiff });
      } catch {
        expression = '';
      }
      const from = columns.join(', ');
      const docs = [
        `**${c.name}** \`bytea\` — ${isHashdiff ? 'hashdiff' : 'hash key'} of \`${stageName}\`, hashed from ${from || 'the source columns'}` +
          (isHashdiff && columns.length > 1 ? ' (sorted, as AutomateDV sorts hashdiff columns)' : ''),
      ];
      if (expression) docs.push('```sql\n' + expression + '\n```');
      const out: DescribedColumn = {
        name: c.name,
        type: 'bytea',
        origin: `${stageName}: ${isHashdiff ? 'hashdiff of' : 'hashed from'} ${from}`,
        role: isHashdiff ? 'hashdiff' : 'hash-key',
        documentation: docs.join('\n\n'),
        hash: { columns, isHashdiff, expression },
      };
      if (spec) out.definedAt = { model: stageName, span: spec.keySpan };
      return out;
    }
    case 'derived': {
      const spec = [...stage.derived].reverse().find((d) => sameName(d.name, c.name));
      const expression = c.expression ?? '';
      const constant = expression.startsWith('!');
      const type = constant ? 'text' : index.columnType(stageName, c.name);
      const out: DescribedColumn = {
        name: c.name,
        origin: `${stageName}: derived from ${constant ? `the constant '${expression.slice(1)}'` : expression}`,
        role: named ?? (businessKeys.has(canonicalColumn(stage, c.name)) ? 'business-key' : 'payload'),
        documentation: `**${c.name}**${type ? ` \`${type}\`` : ''} — derived column of \`${stageName}\`: \`${expression}\``,
      };
      if (type) out.type = type;
      if (spec) out.definedAt = { model: stageName, span: spec.keySpan };
      return out;
    }
    case 'null':
    case 'null-original': {
      const original = c.origin === 'null-original';
      const out: DescribedColumn = {
        name: c.name,
        origin: `${stageName}: ${original ? 'the original value before NULL replacement' : 'NULLs replaced (null_columns)'}`,
        role: businessKeys.has(canonicalColumn(stage, c.name)) ? 'business-key' : 'payload',
        documentation: `**${c.name}** — ${original ? 'value before' : 'value after'} null_columns replacement in \`${stageName}\``,
      };
      const spec = stage.nulls.find((n) => sameName(n.value, original ? c.name.replace(/_ORIGINAL$/i, '') : c.name));
      if (spec) out.definedAt = { model: stageName, span: spec.span };
      return out;
    }
    case 'ranked': {
      const spec = stage.ranked.find((r) => sameName(r.name, c.name));
      const out: DescribedColumn = {
        name: c.name,
        type: 'bigint',
        origin: `${stageName}: ranked column`,
        role: 'metadata',
        documentation: `**${c.name}** \`bigint\` — RANK() window column of \`${stageName}\``,
      };
      if (spec) out.definedAt = { model: stageName, span: spec.keySpan };
      return out;
    }
    default: {
      const type = c.dataType || fromRaw?.type;
      const out: DescribedColumn = {
        name: c.name,
        origin: `${stageName}: from ${fromRaw ? fromRaw.origin : stageSourceLabel(stage)}`,
        role: named ?? (businessKeys.has(canonicalColumn(stage, c.name)) ? 'business-key' : 'payload'),
        documentation: fromRaw ? fromRaw.documentation : `**${c.name}** — source column of \`${stageName}\``,
      };
      if (type) out.type = type;
      if (fromRaw?.declaredAt) out.declaredAt = fromRaw.declaredAt;
      return out;
    }
  }
}
