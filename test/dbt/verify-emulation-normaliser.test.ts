// verify-emulation's normaliser: an alias written with or without AS is one query to PostgreSQL (0.10.0's sat writes
// `) rin`, `) b` and `JOIN latest_records lr` where later releases and the emulation write AS), so both compare
// equal; a different alias, or a keyword after a closing parenthesis, is left as it is. Then verifyEmulation itself
// over a small project whose stand-in package is written here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ProjectSession } from '../../server/src/engine/session';
import { canonicalAlias, lineDiff, normalizeSql, verifyEmulation } from '../../server/src/engine/verify-emulation';

test('a subquery alias without AS compares equal to the one with AS', () => {
  const without = normalizeSql('SELECT * FROM (SELECT sd.pk, RANK() OVER (PARTITION BY sd.pk ORDER BY sd.ldts) AS asc_rank FROM source_data AS sd) rin WHERE rin.asc_rank = 1');
  const withAs = normalizeSql('SELECT * FROM (SELECT sd.pk, RANK() OVER (PARTITION BY sd.pk ORDER BY sd.ldts) AS asc_rank FROM source_data AS sd) AS rin WHERE rin.asc_rank = 1');
  assert.deepEqual(without, withAs);
});

test('a joined table alias without AS compares equal to the one with AS', () => {
  const without = normalizeSql('SELECT frin.pk FROM first_record_in_set AS frin LEFT JOIN latest_records lr ON lr.pk = frin.pk AND lr.hd = frin.hd WHERE lr.hd IS NULL');
  const withAs = normalizeSql('SELECT frin.pk FROM first_record_in_set AS frin LEFT JOIN latest_records AS lr ON lr.pk = frin.pk AND lr.hd = frin.hd WHERE lr.hd IS NULL');
  assert.deepEqual(without, withAs);
  assert.equal(canonicalAlias('FROM "db"."s"."t" T'), 'FROM "db"."s"."t" AS T');
});

test('another alias name, or a keyword after a parenthesis, is not rewritten: the difference stays', () => {
  const a = normalizeSql('SELECT * FROM (SELECT 1 AS x) rin WHERE rin.x = 1');
  const b = normalizeSql('SELECT * FROM (SELECT 1 AS x) AS other WHERE other.x = 1');
  assert.notDeepEqual(a, b);
  assert.ok(lineDiff(a, b).some((l) => l.startsWith('- ') && /RIN/.test(l)));
  for (const line of ['  ) AND', '  ) OR', '  ) THEN', '  ) END', '  ) UNION', ') DESC']) assert.equal(canonicalAlias(line), line);
  assert.equal(canonicalAlias('  ) B'), '  ) AS B');
  assert.equal(canonicalAlias('FROM T WHERE'), 'FROM T WHERE');
});

// ── verifyEmulation over a small project and a stand-in package written here ────────────────────────────────────

/** A project with a stand-in automate_dv whose stage selects only its hashed column, as AutomateDV's does when it
 * cannot read the source's columns, and whose hub fails the way a release without the macro would. */
function standInProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-verify-'));
  const put = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  put('dbt_project.yml', "name: verify_probe\nversion: '1.0.0'\nconfig-version: 2\nprofile: verify_probe\nmodel-paths: ['models']\n");
  put('packages.yml', 'packages:\n  - package: Datavault-UK/automate_dv\n    version: 0.11.5\n');
  put('dbt_packages/automate_dv/dbt_project.yml', "# Written for this test: a stand-in, none of AutomateDV's code.\nname: automate_dv\nversion: 0.11.5\nconfig-version: 2\nmacro-paths: ['macros']\n");
  put(
    'dbt_packages/automate_dv/macros/stage.sql',
    '{%- macro stage(include_source_columns=true, source_model=none, hashed_columns=none, derived_columns=none, null_columns=none, ranked_columns=none) -%}\n' +
      "SELECT DECODE(MD5(NULLIF(UPPER(TRIM(CAST(id AS VARCHAR))), '')), 'hex') AS P_HK FROM {{ source('raw', source_model['raw']) }}\n" +
      '{%- endmacro -%}\n',
  );
  put('dbt_packages/automate_dv/macros/hub.sql', "{%- macro hub(src_pk, src_nk, src_ldts, src_source, source_model) -%}{{ exceptions.raise_compiler_error('stand-in hub fails') }}{%- endmacro -%}\n");
  put('models/sources.yml', 'version: 2\nsources:\n  - name: raw\n    tables:\n      - name: people\n      - name: known\n        columns:\n          - name: id\n          - name: name\n');
  put('models/stg_unknown.sql', "{{ automate_dv.stage(source_model={'raw': 'people'}, hashed_columns={'P_HK': 'id'}) }}\n");
  put('models/stg_known.sql', "{{ automate_dv.stage(source_model={'raw': 'known'}, hashed_columns={'P_HK': 'id'}) }}\n");
  put('models/hub_p.sql', "{{ automate_dv.hub(src_pk='P_HK', src_nk=none, src_ldts='LDTS', src_source='SRC', source_model='stg_known') }}\n");
  return dir;
}

test('verifyEmulation: a stage with unknown source columns is listed apart, one with known columns is a difference, a model failing both ways is none', () => {
  const dir = standInProject();
  try {
    const report = verifyEmulation(new ProjectSession(dir, { env: {} }));
    assert.ok(report);
    assert.equal(report.package, 'automate_dv 0.11.5');
    assert.equal(report.compared, 3);
    assert.deepEqual(report.differences.map((d) => d.model), ['stg_known']);
    assert.ok(report.differences[0]!.diff.some((l) => l.startsWith('+ ') && /\bNAME\b/.test(l)), report.differences[0]!.diff.join('\n'));
    assert.deepEqual(report.deliberate.map((d) => d.model), ['stg_unknown']);
    assert.match(report.deliberate[0]!.deviation, /source columns are unknown/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
