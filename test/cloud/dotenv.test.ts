import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDotenvValue, parseDotenv, updateDotenv } from '../../server/src/cloud/dotenv';
import { ensureGitignored, gitignoreCovers } from '../../server/src/cloud/gitignore';

const sample = [
  '# Yandex Cloud',
  'export YC_TOKEN=t1.abc  # expires in 12 h',
  'TF_VAR_cloud_id = b1g',
  "TF_VAR_allowed_cidrs='[\"0.0.0.0/0\"]'",
  'TF_VAR_postgresql_password="p#ss \\"q\\" \\n"',
  'EMPTY=',
  'HASH_IN_WORD=a#b',
  'this line is broken',
  'BROKEN="no end',
  'TF_VAR_cloud_id=b1g-second',
  '',
].join('\n');

test('parses assignments, quotes, inline comments and export, and reports bad lines without echoing them', () => {
  const parsed = parseDotenv(sample);
  assert.deepEqual(Object.fromEntries(parsed.values), {
    YC_TOKEN: 't1.abc',
    TF_VAR_cloud_id: 'b1g-second',
    TF_VAR_allowed_cidrs: '["0.0.0.0/0"]',
    TF_VAR_postgresql_password: 'p#ss "q" \n',
    EMPTY: '',
    HASH_IN_WORD: 'a#b',
  });
  assert.deepEqual(parsed.problems.map((p) => p.line), [7, 8]);
  assert.ok(parsed.problems.every((p) => !p.message.includes('broken') && !p.message.includes('no end')));
  assert.deepEqual(parsed.entries.filter((e) => e.key === 'TF_VAR_cloud_id').map((e) => e.line), [2, 9]);
});

test('updates keep comments, order, export prefixes and trailing comments; new keys are appended under a header', () => {
  const updated = updateDotenv(sample, { YC_TOKEN: 'new token', TF_VAR_cloud_id: 'b1g-3', EMPTY: null, NEW_ONE: "it's" }, 'Added by test');
  assert.equal(
    updated,
    [
      '# Yandex Cloud',
      "export YC_TOKEN='new token'  # expires in 12 h",
      'TF_VAR_cloud_id = b1g-3',
      "TF_VAR_allowed_cidrs='[\"0.0.0.0/0\"]'",
      'TF_VAR_postgresql_password="p#ss \\"q\\" \\n"',
      'HASH_IN_WORD=a#b',
      'this line is broken',
      'BROKEN="no end',
      'TF_VAR_cloud_id=b1g-3',
      '',
      '# Added by test',
      'NEW_ONE="it\'s"',
      '',
    ].join('\n'),
  );
  assert.equal(parseDotenv(updated).values.get('NEW_ONE'), "it's");
});

test('a missing file becomes a new one, and CRLF files stay CRLF', () => {
  assert.equal(updateDotenv(undefined, { A: '1' }), 'A=1\n');
  assert.equal(updateDotenv('# c\r\nA=1\r\n', { A: '2', B: '3' }), '# c\r\nA=2\r\n\r\nB=3\r\n');
});

test('any value survives format then parse (property)', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), (value) => {
      const text = updateDotenv('# header\n', { SECRET: value });
      const parsed = parseDotenv(text);
      assert.deepEqual(parsed.problems, []);
      assert.equal(parsed.values.get('SECRET'), value, `formatted as ${formatDotenvValue(value)}`);
    }),
    { numRuns: 500 },
  );
});

test('.gitignore coverage of .env and adding the rule when missing', () => {
  assert.equal(gitignoreCovers('.env\n', '.env'), true);
  assert.equal(gitignoreCovers('/.env\n', '.env'), true);
  assert.equal(gitignoreCovers('*.env\n', '.env'), true);
  assert.equal(gitignoreCovers('.env*\n!.env.template\n', '.env'), true);
  assert.equal(gitignoreCovers('.env\n!.env\n', '.env'), false);
  assert.equal(gitignoreCovers('node_modules\nconfig/.env\n', '.env'), false);
  assert.equal(gitignoreCovers(undefined, '.env'), false);
  assert.deepEqual(ensureGitignored('target/', '.env', 'secrets'), { text: 'target/\n# secrets\n/.env\n', changed: true });
  assert.deepEqual(ensureGitignored('.env\n', '.env', 'secrets'), { text: '.env\n', changed: false });
});
