import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import { captureIo, type CapturedIo } from '../support/cli-io';

function capture(cwd: string, env: Record<string, string | undefined> = {}): CapturedIo {
  return captureIo(cwd, env);
}

function miniProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-cli-'));
  cpSync(join(__dirname, 'fixtures', 'mini'), dir, { recursive: true });
  return dir;
}

test('dvs check --format json prints one JSON document with the contract fields, exit 0 on a clean project', async () => {
  const dir = miniProject();
  const io = capture(dir);
  const code = await runCli(['check', '--format', 'json'], io);
  assert.equal(code, 0, io.stderr);
  const doc = JSON.parse(io.stdout) as { models: number; diagnostics: unknown[] };
  assert.equal(doc.models, 3);
  assert.deepEqual(doc.diagnostics, []);
  assert.match(io.stderr, /using target embedded/);
});

test('dvs check reports an error with 1-based positions and exits 1', async () => {
  const dir = miniProject();
  writeFileSync(join(dir, 'models', 'dds', 'hub_users.sql'), '{{ automate_dv.hub(src_pk="USER_HK", src_nk="USER_ID", src_ldts=none, src_source="RECORD_SOURCE", source_model="stg_users") }}\n');
  const io = capture(dir);
  const code = await runCli(['check', '--format', 'json'], io);
  assert.equal(code, 1);
  const doc = JSON.parse(io.stdout) as { diagnostics: { file: string; line: number; column: number; severity: string; code: string }[] };
  const d = doc.diagnostics.find((x) => x.code === 'DV201');
  assert.ok(d, io.stdout);
  assert.equal(d.file, 'models/dds/hub_users.sql');
  assert.equal(d.line, 1);
  assert.equal(d.column, 16);
  assert.equal(d.severity, 'error');
});

test('dvs check finds the project upward and --project overrides it', async () => {
  const dir = miniProject();
  const io = capture(join(dir, 'models', 'stg'));
  assert.equal(await runCli(['check'], io), 0, io.stderr);
  const io2 = capture(tmpdir());
  assert.equal(await runCli(['check', '--project', dir], io2), 0, io2.stderr);
});

test('dvs compile writes target/compiled/<project>/<model path> and --stdout prints one model', async () => {
  const dir = miniProject();
  const io = capture(dir);
  assert.equal(await runCli(['compile'], io), 0, io.stderr);
  const hub = readFileSync(join(dir, 'target', 'compiled', 'mini', 'models', 'dds', 'hub_users.sql'), 'utf8');
  assert.match(hub, /DISTINCT\s+ON \(rr\.USER_HK\)/);
  assert.match(hub, /"postgres"\."stg"\."stg_users"/);
  const io2 = capture(dir);
  assert.equal(await runCli(['compile', '--select', 'hub_users', '--stdout', '--incremental'], io2), 0);
  assert.match(io2.stdout, /LEFT JOIN "postgres"\."dds"\."hub_users" AS d/);
  assert.doesNotMatch(io2.stdout, /dvs:/, 'people-facing lines go to stderr');
});

test('usage errors exit 2 with a hint: unknown flag, unknown command, no project, --stdout with many models', async () => {
  const dir = miniProject();
  const cases: [string[], string, RegExp][] = [
    [['check', '--colour'], dir, /unknown flag '--colour'/],
    [['frobnicate'], dir, /unknown command 'frobnicate'/],
    [['check'], tmpdir(), /no dbt_project\.yml/],
    [['compile', '--stdout'], dir, /--stdout prints one model/],
    [['check', '--vars', 'nope'], dir, /--vars must be a JSON object/],
    [['compile', '--run-started-at', 'yesterday'], dir, /not an ISO 8601/],
  ];
  for (const [argv, cwd, message] of cases) {
    const io = capture(cwd);
    assert.equal(await runCli(argv, io), 2, `${argv.join(' ')}: ${io.stderr}`);
    assert.match(io.stderr, message);
    assert.equal(io.stdout, '');
  }
  assert.ok(!existsSync(join(dir, 'target')), 'a failed compile writes nothing');
});

test('dvs check reports vault-rule findings as warnings (exit 0): a hashdiff that misses a payload column', async () => {
  const dir = miniProject();
  writeFileSync(
    join(dir, 'models', 'dds', 'sat_users.sql'),
    `{{ automate_dv.sat(src_pk="USER_HK", src_hashdiff={"source_column": "USER_HASHDIFF", "alias": "HASHDIFF"},
                   src_payload=["email", "name", "updated_at"], src_ldts="LOAD_DATE", src_source="RECORD_SOURCE",
                   source_model="stg_users") }}\n`,
  );
  const io = capture(dir);
  assert.equal(await runCli(['check', '--format', 'json'], io), 0, io.stderr);
  const doc = JSON.parse(io.stdout) as { diagnostics: { file: string; code: string; severity: string; message: string }[] };
  const found = doc.diagnostics.find((d) => d.code === 'DV405');
  assert.ok(found, JSON.stringify(doc.diagnostics));
  assert.equal(found.severity, 'warning');
  assert.equal(found.file, 'models/dds/sat_users.sql');
  assert.match(found.message, /updated_at/i);
});
