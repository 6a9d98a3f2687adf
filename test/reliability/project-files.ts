// Writes small dbt projects into temp folders for the reliability tests and the load benchmark.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes `files` (path relative to dir → text) under dir. */
export function writeProject(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    const file = join(dir, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  }
}

/** The generate_schema_name override that keeps folder schemas bare (stg, dds), as the sample project has it. */
export const BARE_SCHEMA_MACRO = `{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
`;
