import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { crc32, createZip } from '../../server/src/cloud/zip';
import { readZip } from './zip-reader';

test('crc32 matches the standard check values', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array()), 0);
  assert.equal(crc32(new TextEncoder().encode('The quick brown fox jumps over the lazy dog')), 0x414fa339);
});

test('entries read back byte for byte, with local headers matching the central directory', () => {
  const yaml = 'dashboard_title: Sales\nposition:\n' + '  CHART-1: {type: CHART}\n'.repeat(50);
  const random = new Uint8Array(2048).map((_, i) => (i * 7919 + 13) % 251);
  const zip = createZip([
    { name: 'root/metadata.yaml', data: 'version: 1.0.0\ntype: Dashboard\n' },
    { name: 'root/dashboards/sales.yaml', data: yaml },
    { name: 'root/blob.bin', data: random },
    { name: 'root/empty.yaml', data: '' },
    { name: 'root/ünïcode/файл.yaml', data: 'a: 1\n' },
  ]);
  const entries = readZip(zip);
  assert.deepEqual(
    entries.map((e) => e.name),
    ['root/metadata.yaml', 'root/dashboards/sales.yaml', 'root/blob.bin', 'root/empty.yaml', 'root/ünïcode/файл.yaml'],
  );
  assert.equal(entries[1]?.data.toString('utf8'), yaml);
  assert.equal(entries[1]?.method, 8, 'repetitive YAML is deflated');
  assert.ok((entries[1]?.compressedSize ?? 0) < yaml.length);
  assert.deepEqual(new Uint8Array(entries[2]?.data ?? []), random);
  assert.equal(entries[3]?.data.length, 0);
  assert.equal(entries[3]?.method, 0, 'an empty file is stored');
  for (const entry of entries) assert.equal(entry.flags & 0x0800, 0x0800, 'names are flagged UTF-8');
  assert.equal(entries[0]?.dosDate, (0 << 9) | (1 << 5) | 1, 'the default time is 1980-01-01 for reproducible archives');
});

test('store mode never deflates, and extreme ratios are stored to stay under Superset\'s zip-bomb limit', () => {
  const text = 'x'.repeat(100_000);
  assert.equal(readZip(createZip([{ name: 'a.yaml', data: text }], 'store'))[0]?.method, 0);
  const [bomb] = readZip(createZip([{ name: 'a.yaml', data: text }]));
  assert.equal(bomb?.method, 0, 'a 1000:1 entry is stored, not deflated');
  assert.equal(bomb?.data.length, 100_000);
});

test('any set of entries round-trips (property)', () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z0-9_]{1,12}(\/[a-z0-9_]{1,12}){0,2}(\.yaml)?$/), data: fc.uint8Array({ maxLength: 600 }) }), {
        selector: (e) => e.name,
        maxLength: 8,
      }),
      (entries) => {
        const back = readZip(createZip(entries));
        assert.deepEqual(
          back.map((e) => [e.name, [...e.data]]),
          entries.map((e) => [e.name, [...e.data]]),
        );
      },
    ),
    { numRuns: 60 },
  );
});

test('unsafe or duplicate names are refused', () => {
  assert.throws(() => createZip([{ name: '../evil.yaml', data: '' }]), /relative path/);
  assert.throws(() => createZip([{ name: '/abs.yaml', data: '' }]), /relative path/);
  assert.throws(() => createZip([{ name: 'a\\b.yaml', data: '' }]), /forward slashes/);
  assert.throws(() => createZip([{ name: 'a.yaml', data: '' }, { name: 'a.yaml', data: '' }]), /twice/);
});

/** Runs an outside ZIP tool on the archive when the machine has it; the reader test above does not depend on it. */
function withArchive(check: (file: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'dvs-zip-'));
  try {
    const file = join(dir, 'bundle.zip');
    writeFileSync(file, createZip([
      { name: 'export/metadata.yaml', data: 'version: 1.0.0\n' },
      { name: 'export/charts/c.yaml', data: 'slice_name: C\n'.repeat(30) },
    ]));
    check(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hasUnzip = spawnSync('unzip', ['-v']).status === 0;
test('Info-ZIP unzip accepts the archive', { skip: hasUnzip ? false : 'unzip is not installed' }, () => {
  withArchive((file) => {
    const result = spawnSync('unzip', ['-t', file], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /No errors detected/);
  });
});

// Superset reads bundles with Python's zipfile, so that is the reader that matters most.
const hasPython = spawnSync('python3', ['-c', 'import zipfile']).status === 0;
test('Python zipfile (what Superset uses) accepts the archive', { skip: hasPython ? false : 'python3 is not installed' }, () => {
  withArchive((file) => {
    const script = 'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint("\\n".join(z.namelist()))\nprint(z.read("export/metadata.yaml").decode())';
    const result = spawnSync('python3', ['-c', script, file], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'export/metadata.yaml\nexport/charts/c.yaml\nversion: 1.0.0\n\n');
  });
});
