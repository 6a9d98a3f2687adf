// The shared column building blocks of spec §3: expand_column_list, prefix, alias_all, multikey, escaping and the
// case-insensitive list operations, plus the escape-character vars.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aliasAll,
  escapeColumnName,
  expandColumnList,
  multikeyCondition,
  multikeyEquals,
  prefixColumns,
  selectColumnsExcluding,
  uniqueCaseInsensitive,
} from '../../server/src/compile/automate-dv/columns';
import { readEscapeChars } from '../../server/src/compile/automate-dv/settings';
import { columnsToEscape, readStageConfig } from '../../server/src/compile/automate-dv/stage-config';
import { bindArguments } from '../../server/src/compile/automate-dv/signatures';
import { fromJs, UNDEFINED } from '../../server/src/jinja/values';
import { fixtureContext, kwargs } from './context-fixture';

test('expand_column_list drops none, splices one level of lists, keeps mappings, rejects anything else', () => {
  const hashdiff = fromJs({ source_column: 'STG_HD', alias: 'HD' });
  assert.deepEqual(expandColumnList([fromJs('PK'), hashdiff, fromJs(['A', 'B']), null, UNDEFINED, fromJs('LDTS')]), [
    'PK',
    { sourceColumn: 'STG_HD', alias: 'HD' },
    'A',
    'B',
    'LDTS',
  ]);
  assert.throws(() => expandColumnList([fromJs(['A', 1])]), /Invalid columns object provided/);
  assert.throws(() => expandColumnList([7]), /Invalid columns object provided/);
  assert.throws(() => expandColumnList([fromJs([['A']])]), /Invalid columns object provided/);
});

test('prefix skips names already emitted (case-insensitive) and picks the mapping side', () => {
  const hd = { sourceColumn: 'STG_HD', alias: 'HD' };
  assert.equal(prefixColumns(['PK', ' name ', 'NAME', hd], 'a'), 'a.PK, a.name, a.STG_HD');
  assert.equal(prefixColumns(['PK', hd], 'b', 'target'), 'b.PK, b.HD');
  assert.equal(aliasAll(['PK', hd, 'stg_hd', 'X'], 'usr'), 'usr.PK, usr.STG_HD AS HD, usr.X');
});

test('multikey: equality joined with AND, unary conditions one line per column', () => {
  assert.equal(multikeyEquals(['K1', 'K2'], 'a', 'd'), 'a.K1 = d.K1 AND a.K2 = d.K2');
  assert.equal(multikeyCondition('K', 'rr', 'IS NOT NULL'), 'rr.K IS NOT NULL');
  assert.equal(multikeyCondition(['K1', 'K2'], 'd', 'IS NULL'), 'd.K1 IS NULL\n    AND d.K2 IS NULL');
});

test('list operations: unique keeps the first spelling; excluding nothing selects nothing (quirk)', () => {
  assert.deepEqual(uniqueCaseInsensitive(['a', 'B', 'A', 'b', 'c']), ['a', 'B', 'c']);
  assert.deepEqual(selectColumnsExcluding(['a', 'B', 'c'], ['b']), ['a', 'c']);
  assert.deepEqual(selectColumnsExcluding(['a', 'B', 'c'], []), []);
});

test('escaping: constants stay, escape characters inside a name are removed, the name is trimmed', () => {
  assert.equal(escapeColumnName("'X'", ['"', '"']), "'X'");
  assert.equal(escapeColumnName(' BOOKING "DATE" ', ['"', '"']), '"BOOKING DATE"');
  assert.equal(escapeColumnName('name', ['[', ']']), '[name]');
});

test('columns to escape: escape: true items and "letters and spaces" in string expressions only', () => {
  const args = bindArguments(
    'stage',
    [],
    kwargs({
      source_model: 'raw',
      derived_columns: {
        A: { source_column: ['COL ONE', '!K'], escape: true },
        B: 'CONCAT("BOOKING DATE", "COL_2", "name")',
        C: { source_column: 'NOT ESCAPED', escape: false },
        D: ['"IN LIST"'],
        E: 'UPPER("Booking Date")',
      },
    }),
  );
  const config = readStageConfig(args, () => undefined);
  assert.deepEqual(columnsToEscape(config.derived, ['"', '"']), ['COL ONE', '!K', 'BOOKING DATE', 'name']);
});

test('empty escape characters fall back to " with a warning', () => {
  const ctx = fixtureContext({ vars: { escape_char_left: '', escape_char_right: '`' } });
  assert.deepEqual(readEscapeChars(ctx), ['"', '`']);
  assert.equal(ctx.diagnostics.length, 1);
  assert.match(ctx.diagnostics[0]!.message, /escape_char_left/);
});
