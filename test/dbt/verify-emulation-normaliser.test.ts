// verify-emulation's normaliser: an alias written with or without AS is one query to PostgreSQL (0.10.0's sat writes
// `) rin`, `) b` and `JOIN latest_records lr` where later releases and the emulation write AS), so both compare
// equal; a different alias, or a keyword after a closing parenthesis, is left as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalAlias, lineDiff, normalizeSql } from '../../server/src/engine/verify-emulation';

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
