// The docs in the repository stay true to it: every file path they name exists, ARCHITECTURE.md describes every room
// of server/src, and every section of docs/automate-dv.md that the code cites exists. A moved file or a renumbered
// section fails here instead of leaving a reference that leads nowhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..');
const DOCS = ['ARCHITECTURE.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');

/** Top-level folders a path in the docs may start with; `project/…`-style paths are read below server/src/. */
const REPO_FOLDERS = ['server', 'client', 'test', 'scripts', 'docs', 'templates', 'syntaxes', 'bench', 'sample-project', 'terraform'];

/**
 * The repository paths a Markdown text names in backticks: `a/b.ts` or `a/b/`. Placeholders (`<name>`, `foo`, `*`, `…`)
 * stand for files a checklist asks you to create, and paths inside a dbt project (`.dvs/…`, `dbt_packages/…`) or the
 * build output (`dist/`) are not tracked files; none of these is checked.
 */
function namedPaths(markdown: string): string[] {
  const out: string[] = [];
  for (const m of markdown.matchAll(/`([^`\s]+)`/g)) {
    const token = (m[1] ?? '').replace(/[.,;:]$/, '');
    // A bare folder name (`fixtures/`) is not a path; dist/ and a dbt project's target/ are build output.
    if (!token.replace(/\/$/, '').includes('/') || /[<>*…{}]|\bfoo\b|^\.|^https?:|^dbt_packages|^dist\/|(^|\/)target(\/|$)|^node:|\$/.test(token)) continue;
    if (!/\.(ts|mjs|js|json|md|sql|yml|yaml|tf)$/.test(token) && !token.endsWith('/')) continue;
    out.push(token);
  }
  return [...new Set(out)];
}

function resolves(path: string): boolean {
  const clean = path.replace(/\/$/, '');
  if (REPO_FOLDERS.some((f) => clean === f || clean.startsWith(`${f}/`))) return existsSync(join(root, clean));
  // Paths relative to server/src (a room and its file), or to the project a command runs on.
  return existsSync(join(root, 'server', 'src', clean)) || existsSync(join(root, 'client', 'src', clean));
}

test('every file path the docs name exists', () => {
  const missing: string[] = [];
  for (const doc of DOCS) for (const p of namedPaths(read(doc))) if (!resolves(p)) missing.push(`${doc}: ${p}`);
  assert.deepEqual(missing, [], 'update the docs when a file moves');
});

test('the path scan can fail: a made-up path is reported, placeholders are not', () => {
  const paths = namedPaths('see `server/src/no-such-room/x.ts`, `project/file-system.ts`, `server/src/cli/foo.ts`, `<project>/.dvs/x.json`, `fixtures/`, `dist/cli.js`');
  assert.deepEqual(paths, ['server/src/no-such-room/x.ts', 'project/file-system.ts']);
  assert.equal(resolves('server/src/no-such-room/x.ts'), false);
  assert.equal(resolves('project/file-system.ts'), true);
});

test('ARCHITECTURE.md describes every room of server/src and the entry files', () => {
  const src = join(root, 'server', 'src');
  const rooms = readdirSync(src)
    .filter((name) => statSync(join(src, name)).isDirectory())
    .map((name) => `${name}/`);
  const files = ['server.ts', 'cli.ts', 'protocol.ts'];
  const architecture = read('ARCHITECTURE.md');
  const undescribed = [...rooms, ...files].filter((room) => !architecture.includes(`- **\`${room}\`**`));
  assert.deepEqual(undescribed, [], 'give each room a bullet "- **`room/`** — what it holds, its invariant and why"');
  assert.ok(architecture.includes('- **`client/src/`**'), 'the client has its bullet too');
});

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') return [];
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.(ts|mjs|sql)$/.test(name) ? [p] : [];
  });
}

/**
 * The sections of docs/automate-dv.md a text cites: every "§N" (formerly written "spec §N"). Sections of the
 * conventions and contracts are another numbering, so a "§N" right after their names is left out.
 */
function citedSections(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/(CONVENTIONS(?:\.md)?|CONTRACTS(?:\.md)?)?\s*§(\d+(?:\.\d+)*)/g)) if (!m[1]) out.push(m[2] ?? '');
  return out;
}

test('the section scan can fail: a cited section is read, a section of the conventions is not', () => {
  assert.deepEqual(citedSections('as spec §9 says (CONVENTIONS §4, CONTRACTS.md §2), and docs/automate-dv.md §6.3.1'), ['9', '6.3.1']);
});

test('every section of docs/automate-dv.md that a comment cites exists', () => {
  const semantics = read('docs/automate-dv.md');
  const headings = new Set([...semantics.matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)].map((m) => m[1]));
  assert.ok(headings.has('6.3.1') && headings.has('0') && headings.has('11'), 'the headings are read');
  const missing: string[] = [];
  for (const dir of ['server/src', 'client/src', 'test', 'bench', 'templates']) {
    // This file cites a made-up section on purpose, to show the scan can fail.
    for (const file of sourceFiles(join(root, dir)).filter((f) => f !== __filename)) {
      for (const section of citedSections(readFileSync(file, 'utf8'))) {
        if (!headings.has(section)) missing.push(`${relative(root, file)}: §${section}`);
      }
    }
  }
  assert.deepEqual(missing, [], 'cite a section docs/automate-dv.md has, or add it there (numbers never change meaning)');
});
