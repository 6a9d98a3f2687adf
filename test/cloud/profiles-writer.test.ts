import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { connectionEnvNames, connectionEnvValues, writeProfileTarget } from '../../server/src/cloud/profiles-writer';

// A case is a pair of files: <case>.input.yml and <case>.expected.yml (the expected text, or a diagnostic code when
// the edit must be refused and the file left as it was).
const dir = join(__dirname, 'fixtures', 'profiles');
const cases = readdirSync(dir).filter((f) => f.endsWith('.input.yml')).map((f) => f.slice(0, -'.input.yml'.length));

test('the fixture folder holds cases', () => assert.ok(cases.length >= 4));

for (const name of cases) {
  test(`profiles.yml: ${name}`, () => {
    const input = readFileSync(join(dir, `${name}.input.yml`), 'utf8');
    const expected = readFileSync(join(dir, `${name}.expected.yml`), 'utf8');
    const result = writeProfileTarget(input === '' ? undefined : input, {
      profile: 'data_vault',
      target: 'cloud',
      envNames: connectionEnvNames('cloud'),
      makeDefault: true,
      withSslRootCert: true,
    });
    if (/^DV\d{3}\s*$/.test(expected)) {
      assert.deepEqual(result.diagnostics.map((d) => d.code), [expected.trim()]);
      assert.equal(result.text, input, 'a refused edit leaves the text as it was');
      return;
    }
    assert.deepEqual(result.diagnostics, []);
    assert.equal(result.text, expected);
    // What dbt will see: every connection field of the target is an env_var reference, none a literal secret.
    const target = parse(result.text).data_vault.outputs.cloud as Record<string, unknown>;
    for (const key of ['host', 'port', 'user', 'sslmode', 'sslrootcert']) assert.match(String(target[key]), /^\{\{ env_var\('DBT_CLOUD_/);
    assert.match(String(target.password ?? target.pass), /^\{\{ env_var\('DBT_ENV_SECRET_CLOUD_PASSWORD'\) \}\}$/);
  });
}

test('without makeDefault the default target stays, and env names follow the target name', () => {
  const input = 'p:\n  target: dev\n  outputs:\n    dev: {type: postgres, schema: s}\n';
  const names = connectionEnvNames('prod-eu');
  assert.equal(names.host, 'DBT_PROD_EU_HOST');
  assert.equal(names.password, 'DBT_ENV_SECRET_PROD_EU_PASSWORD');
  const result = writeProfileTarget(input, { profile: 'p', target: 'prod-eu', envNames: names, makeDefault: false, withSslRootCert: false });
  const profile = parse(result.text).p;
  assert.equal(profile.target, 'dev');
  assert.equal(profile.outputs['prod-eu'].schema, 's');
  assert.equal(profile.outputs['prod-eu'].sslrootcert, undefined);
});

test('a profile that is not a mapping is refused with a message naming it', () => {
  const result = writeProfileTarget('p: 3\n', { profile: 'p', target: 'cloud', envNames: connectionEnvNames('cloud'), makeDefault: true, withSslRootCert: true });
  assert.equal(result.diagnostics[0]?.code, 'DV021');
  assert.match(result.diagnostics[0]?.message ?? '', /profile "p"/);
});

test('the .env values that go with a target', () => {
  const values = connectionEnvValues(
    { host: 'c-1.rw.mdb.yandexcloud.net', port: 6432, dbname: 'dwh', user: 'u', sslmode: 'verify-full', sslrootcert: '/h/.postgresql/root.crt' },
    'pw',
    connectionEnvNames('cloud'),
  );
  assert.deepEqual(values, {
    DBT_CLOUD_HOST: 'c-1.rw.mdb.yandexcloud.net',
    DBT_CLOUD_PORT: '6432',
    DBT_CLOUD_DBNAME: 'dwh',
    DBT_CLOUD_USER: 'u',
    DBT_ENV_SECRET_CLOUD_PASSWORD: 'pw',
    DBT_CLOUD_SSLMODE: 'verify-full',
    DBT_CLOUD_SSLROOTCERT: '/h/.postgresql/root.crt',
  });
});
