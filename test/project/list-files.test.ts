// nodeFileSystem.listFiles joins a folder already normalised and an entry name without path.posix.join (for speed on
// thousands of files): the paths must be those joinPath gives, whatever form the folder is given in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { joinPath, nodeFileSystem } from '../../server/src/project/file-system';

/** The listing as joinPath makes every path, the reference. */
function joinedListing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = joinPath(d, e.name);
      if (e.isDirectory()) {
        if (!['node_modules', '.git', 'dbt_packages', 'dbt_modules'].includes(e.name)) walk(p);
      } else out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

test('listFiles gives the paths joinPath gives, for folders given with dots, doubled or trailing slashes', () => {
  const root = mkdtempSync(join(tmpdir(), 'dvs-list-files-'));
  mkdirSync(join(root, 'models', 'staging', 'deep'), { recursive: true });
  mkdirSync(join(root, 'models', 'node_modules'), { recursive: true });
  const files = ['models/a.sql', 'models/staging/b.sql', 'models/staging/deep/c.yml', 'models/node_modules/skip.sql', 'models/back\\slash.sql', 'models/.hidden.sql'];
  for (const f of files) writeFileSync(join(root, f), '');
  for (const dir of [join(root, 'models'), `${root}/models/`, `${root}//models`, `${root}/./models/staging/..`, `${root}/models/staging/deep`, `${root}/models/staging/deep/`]) {
    const listed = nodeFileSystem.listFiles(dir, () => true);
    assert.deepEqual(listed, joinedListing(dir), dir);
    assert.ok(listed.every((p) => !p.includes('//') && !p.includes('/./')), dir);
  }
  assert.deepEqual(
    nodeFileSystem.listFiles(join(root, 'models'), (p) => p.endsWith('.sql')).map((p) => p.slice(root.length + 1)),
    ['models/.hidden.sql', 'models/a.sql', 'models/back/slash.sql', 'models/staging/b.sql'],
  );
});
