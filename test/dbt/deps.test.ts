// `dvs deps` installs packages.yml's packages as dbt deps does. The hub is a local HTTP server on 127.0.0.1 serving
// a hub index JSON and a release tarball of a package written here; the git package is a repository made here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../server/src/cli/main';
import type { CliIo } from '../../server/src/cli/io';
import { resolveHubVersion } from '../../server/src/dbt/deps';
import { ProjectSession } from '../../server/src/engine/session';

function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/** A package folder with a dbt_project.yml and one macro that says which package and version it is. */
function packageFiles(name: string, version: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'dbt_project.yml': `name: ${name}\nversion: ${version}\nconfig-version: 2\nmacro-paths: ["macros"]\n`,
    'macros/hub.sql': `{%- macro hub(src_pk, source_model) -%}SELECT '${name} ${version}' AS impl, {{ src_pk }} FROM {{ ref(source_model) }}{%- endmacro -%}\n`,
    ...extra,
  };
}

interface FakeHub {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** A hub with `acme/automate_dv` releases 0.10.0 and 0.11.5 (and a 0.12.0 pre-release), tarballs as GitHub makes them. */
async function startHub(work: string): Promise<FakeHub> {
  const tarballs = new Map<string, Buffer>();
  for (const version of ['0.10.0', '0.11.5', '0.12.0-rc1']) {
    const src = join(work, `src-${version}`);
    writeFiles(join(src, `automate-dv-${version}`), packageFiles('automate_dv', version));
    execFileSync('tar', ['-czf', join(work, `${version}.tar.gz`), '-C', src, `automate-dv-${version}`]);
    tarballs.set(`/tarballs/${version}.tar.gz`, readFileSync(join(work, `${version}.tar.gz`)));
  }
  const requests: string[] = [];
  let base = '';
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/api/v1/acme/automate_dv.json') {
      const versions: Record<string, unknown> = {};
      for (const v of ['0.10.0', '0.11.5', '0.12.0-rc1']) versions[v] = { name: 'automate_dv', version: v, packages: [], downloads: { tarball: `${base}/tarballs/${v}.tar.gz` } };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ name: 'automate_dv', namespace: 'acme', versions }));
      return;
    }
    const tar = tarballs.get(req.url ?? '');
    if (tar) {
      res.writeHead(200, { 'content-type': 'application/gzip' });
      res.end(tar);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${base}/api/v1`, requests, close: () => new Promise((ok) => server.close(() => ok())) };
}

function cliIo(cwd: string, env: Record<string, string>): CliIo & { stdout: string; stderr: string } {
  const c = { stdout: '', stderr: '', cwd, env, isTTY: false, out: (t: string) => void (c.stdout += t), err: (t: string) => void (c.stderr += t) };
  return c;
}

const PROJECT = {
  'dbt_project.yml': 'name: deps_project\nversion: "1.0.0"\nconfig-version: 2\nprofile: deps_project\n',
  'models/stg.sql': 'SELECT 1 AS pk\n',
  'models/hub.sql': "{{ automate_dv.hub(src_pk='pk', source_model='stg') }}\n",
};

test('hub versions resolve to the newest release a range allows, pre-releases only when named', () => {
  const all = ['0.10.0', '0.11.0', '0.11.5', '0.12.0-rc1'];
  assert.equal(resolveHubVersion(all, ['0.11.0']), '0.11.0');
  assert.equal(resolveHubVersion(all, ['>=0.10.0', '<0.12.0']), '0.11.5');
  assert.equal(resolveHubVersion(all, ['>=0.10.0, <0.11.0']), '0.10.0');
  assert.equal(resolveHubVersion(all, ['>=0.11.0']), '0.11.5');
  assert.equal(resolveHubVersion(all, ['0.12.0-rc1']), '0.12.0-rc1');
  assert.equal(resolveHubVersion(all, ['0.9.0']), undefined);
});

test('dvs deps installs a hub package, a git revision and a local package, writes package-lock.yml, and the models compile through it', async () => {
  const work = mkdtempSync(join(tmpdir(), 'dvs-deps-'));
  const hub = await startHub(work);
  try {
    // A git package with two tagged revisions; packages.yml asks for the older one.
    const repo = join(work, 'git-utils');
    writeFiles(repo, packageFiles('garden_utils', '1.0.0'));
    const g = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, stdio: 'pipe' });
    g('init', '-q');
    g('add', '.');
    g('commit', '-qm', 'v1');
    g('tag', 'v1.0.0');
    writeFiles(repo, packageFiles('garden_utils', '2.0.0'));
    g('commit', '-qam', 'v2');
    const local = join(work, 'local-pkg');
    writeFiles(local, packageFiles('local_helpers', '0.1.0'));

    const project = join(work, 'project');
    writeFiles(project, {
      ...PROJECT,
      'packages.yml': [
        'packages:',
        '  - package: acme/automate_dv',
        '    version: [">=0.10.0", "<0.12.0"]',
        `  - git: "${repo}"`,
        '    revision: v1.0.0',
        '  - local: ../local-pkg',
        '',
      ].join('\n'),
    });
    const io = cliIo(project, { DVS_HUB_URL: hub.url });
    assert.equal(await runCli(['deps'], io), 0, io.stderr);
    assert.match(readFileSync(join(project, 'dbt_packages/automate_dv/dbt_project.yml'), 'utf8'), /version: 0\.11\.5/);
    assert.match(readFileSync(join(project, 'dbt_packages/garden_utils/dbt_project.yml'), 'utf8'), /version: 1\.0\.0/);
    assert.ok(!existsSync(join(project, 'dbt_packages/garden_utils/.git')));
    assert.ok(lstatSync(join(project, 'dbt_packages/local_helpers')).isSymbolicLink());
    const lock = readFileSync(join(project, 'package-lock.yml'), 'utf8');
    assert.match(lock, /- package: acme\/automate_dv\n {4}version: 0\.11\.5/);
    assert.match(lock, /revision: [0-9a-f]{40}/);
    assert.match(lock, /- local: "\.\.\/local-pkg"/);
    assert.match(lock, /sha1_hash: [0-9a-f]{40}/);
    assert.match(io.stderr, /installed 3 packages/);

    // The installed package is what compiles the model.
    const session = new ProjectSession(project, { env: {} });
    const compiled = session.compile(session.node('hub')!, { formatSql: false });
    assert.match(compiled.rawSql, /SELECT 'automate_dv 0\.11\.5' AS impl, pk FROM/);

    // With packages.yml unchanged, the lock decides: a second run installs the locked version again.
    hub.requests.length = 0;
    assert.equal(await runCli(['deps'], io), 0, io.stderr);
    assert.ok(hub.requests.includes('/tarballs/0.11.5.tar.gz'), hub.requests.join(' '));
    assert.match(io.stderr, /package-lock\.yml/);

    // A lock dbt wrote (another hash) that pins a version inside the range is honoured too: 0.10.0 stays 0.10.0.
    const lockText = readFileSync(join(project, 'package-lock.yml'), 'utf8')
      .replace('version: 0.11.5', 'version: 0.10.0')
      .replace(/sha1_hash: \w+/, 'sha1_hash: 0000000000000000000000000000000000000000');
    writeFileSync(join(project, 'package-lock.yml'), lockText);
    assert.equal(await runCli(['deps'], io), 0, io.stderr);
    assert.match(readFileSync(join(project, 'dbt_packages/automate_dv/dbt_project.yml'), 'utf8'), /version: 0\.10\.0/);
  } finally {
    await hub.close();
    rmSync(work, { recursive: true, force: true });
  }
});

test('dvs deps offline: a clear error and exit 2', async () => {
  const work = mkdtempSync(join(tmpdir(), 'dvs-deps-'));
  try {
    // A port nothing listens on: take one, then close it.
    const probe = createServer();
    await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((ok) => probe.close(() => ok()));
    const project = join(work, 'project');
    writeFiles(project, { ...PROJECT, 'packages.yml': 'packages:\n  - package: acme/automate_dv\n    version: 0.11.5\n' });
    const io = cliIo(project, { DVS_HUB_URL: `http://127.0.0.1:${port}/api/v1` });
    assert.equal(await runCli(['deps'], io), 2);
    assert.match(io.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+\/api\/v1\/acme\/automate_dv\.json/);
    assert.match(io.stderr, /needs network access/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('dvs deps: a version the hub does not have is an error that names the available ones', async () => {
  const work = mkdtempSync(join(tmpdir(), 'dvs-deps-'));
  const hub = await startHub(work);
  try {
    const project = join(work, 'project');
    writeFiles(project, { ...PROJECT, 'packages.yml': 'packages:\n  - package: acme/automate_dv\n    version: 0.9.0\n' });
    const io = cliIo(project, { DVS_HUB_URL: hub.url });
    assert.equal(await runCli(['deps'], io), 2);
    assert.match(io.stderr, /no release on the hub matches version 0\.9\.0; available: 0\.10\.0, 0\.11\.5/);
  } finally {
    await hub.close();
    rmSync(work, { recursive: true, force: true });
  }
});
