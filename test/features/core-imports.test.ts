// Scans over server/src. First, only server/src/features/ and server/src/server.ts know LSP: every other file (and the
// shared protocol file) imports neither `vscode` nor `vscode-languageserver*`. Second, the rooms of ARCHITECTURE.md
// form layers: a file imports only its own room and the rooms below it, and only the rooms that own IO touch the file
// system. Third, no files import each other. The layering violations that remain are listed by name below; the list
// can only shrink, because a listed violation that no longer exists fails the test too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const src = join(__dirname, '..', '..', 'server', 'src');
const LSP_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"](vscode|vscode-languageserver[^'"]*|vscode-languageclient[^'"]*)['"]/g;
const RELATIVE_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]*)['"]/g;
const FS_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](?:node:)?fs(?:\/promises)?['"]/;

/**
 * The layer order, bottom first, as ARCHITECTURE.md draws it. A room may import rooms on lower lines; rooms on one
 * line do not import each other. The entry points (`server.ts`, `cli.ts`) and `protocol.ts` are rooms of one file.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['base'],
  ['jinja', 'warehouse', 'cloud'],
  ['project', 'generate'],
  ['dbt'],
  ['compile'],
  ['model'],
  ['load'],
  ['rules'],
  ['engine'],
  ['protocol.ts'],
  ['dashboard'],
  ['features', 'cli'],
  ['server.ts', 'cli.ts'],
];

/** The rooms (or single files) that may touch the file system; every other file gets its files handed in. */
const IO_ROOMS: readonly string[] = [
  'warehouse/', // the database, the embedded folder and its lock, the schema cache
  'project/file-system.ts', // the project's files, so the editor can hand in unsaved buffers
  'load/results.ts', // run_results.json
  'cloud/files.ts', // the deploy flow's files
  'cli/',
  'cli.ts',
  'server.ts',
];

/**
 * Violations accepted for now: none. An entry would be `from -> to` for an import (file paths relative to server/src,
 * without .ts) or `from: fs` for file IO; the test fails on a new one and on a listed one that no longer exists.
 */
const KNOWN_VIOLATIONS: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

const posix = (p: string): string => p.split('\\').join('/');

/** The room a path under server/src belongs to: its first folder, or the file itself at the top. */
function roomOf(rel: string): string {
  const slash = rel.indexOf('/');
  return slash < 0 ? rel : rel.slice(0, slash);
}

const LEVEL = new Map<string, number>(LAYERS.flatMap((rooms, level) => rooms.map((room) => [room, level] as const)));

/** The layering and IO violations of one file, given its path relative to server/src and its text. */
function violationsOf(rel: string, text: string): string[] {
  const from = rel.replace(/\.ts$/, '');
  const fromRoom = roomOf(rel);
  const out: string[] = [];
  for (const m of text.matchAll(RELATIVE_IMPORT)) {
    const target = posix(relative('.', join(dirname(rel), m[1] as string))).replace(/\.ts$/, '');
    // A top-level `../protocol` is the file protocol.ts; `../project` is the folder (its index.ts).
    const toRoom = target.includes('/') ? roomOf(target) : existsSync(join(src, `${target}.ts`)) ? `${target}.ts` : target;
    if (toRoom === fromRoom) continue;
    const a = LEVEL.get(fromRoom);
    const b = LEVEL.get(toRoom);
    if (a === undefined || b === undefined) out.push(`${from} -> ${target} (a room the layer list does not name)`);
    else if (b >= a) out.push(`${from} -> ${target}`);
  }
  if (FS_IMPORT.test(text) && !IO_ROOMS.some((r) => (r.endsWith('/') ? rel.startsWith(r) : rel === r))) out.push(`${from}: fs`);
  return [...new Set(out)];
}

/** The files a file imports (paths relative to server/src without .ts; a folder import is its index). */
function importsOf(rel: string, text: string): string[] {
  return [...text.matchAll(RELATIVE_IMPORT)].map((m) => {
    const target = posix(relative('.', join(dirname(rel), m[1] as string))).replace(/\.ts$/, '');
    return existsSync(join(src, target, 'index.ts')) ? `${target}/index` : target;
  });
}

/** Groups of files that import each other, directly or around a loop (Tarjan's strongly connected components). */
function importCycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
    } while (w !== v);
    if (group.length > 1) cycles.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

function scanAll(): string[] {
  const files = sourceFiles(src);
  assert.ok(files.length > 50, 'the scan found the sources');
  return files.flatMap((file) => violationsOf(posix(relative(src, file)), readFileSync(file, 'utf8')));
}

test('no core module imports vscode or vscode-languageserver', () => {
  const files = sourceFiles(src);
  assert.ok(files.length > 50, 'the scan found the sources');
  const offenders: string[] = [];
  for (const file of files) {
    const rel = posix(relative(src, file));
    if (rel.startsWith('features/') || rel === 'server.ts') continue;
    for (const m of readFileSync(file, 'utf8').matchAll(LSP_IMPORT)) offenders.push(`${rel} imports ${m[1]}`);
  }
  assert.deepEqual(offenders, []);
});

test('the scan recognises an LSP import (it can fail)', () => {
  const sample = "import { CompletionItemKind } from 'vscode-languageserver';\nconst x = require('vscode');";
  assert.deepEqual([...sample.matchAll(LSP_IMPORT)].map((m) => m[1]), ['vscode-languageserver', 'vscode']);
});

test('every room is in the layer order, and every import points down (beyond the listed violations)', () => {
  const rooms = readdirSync(src).filter((name) => !name.endsWith('.d.ts'));
  assert.deepEqual(rooms.filter((r) => !LEVEL.has(r)), [], 'a new room needs its line in LAYERS (and ARCHITECTURE.md)');
  const found = scanAll();
  const fresh = found.filter((v) => !KNOWN_VIOLATIONS.includes(v));
  assert.deepEqual(fresh, [], 'new upward imports or file IO outside the IO rooms: move the code down instead');
  const gone = KNOWN_VIOLATIONS.filter((v) => !found.includes(v));
  assert.deepEqual(gone, [], 'these listed violations no longer exist: delete them from KNOWN_VIOLATIONS');
});

test('no files import each other, inside a room or across rooms', () => {
  const graph = new Map(sourceFiles(src).map((file) => {
    const rel = posix(relative(src, file));
    return [rel.replace(/\.ts$/, ''), importsOf(rel, readFileSync(file, 'utf8'))] as const;
  }));
  assert.deepEqual(importCycles(graph), [], 'break the loop: move what both need into a third module');
});

test('the cycle search finds a loop through three files (it can fail)', () => {
  const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
  assert.deepEqual(importCycles(graph), [['a', 'b', 'c']]);
});

test('the layer scan catches an upward import, a sideways import and file IO (it can fail)', () => {
  assert.deepEqual(violationsOf('base/text.ts', "import { x } from '../jinja/values';"), ['base/text -> jinja/values']);
  assert.deepEqual(violationsOf('jinja/render.ts', "import type { W } from '../warehouse/warehouse';"), ['jinja/render -> warehouse/warehouse']);
  assert.deepEqual(violationsOf('compile/model.ts', "import { readFileSync } from 'node:fs';"), ['compile/model: fs']);
  assert.deepEqual(violationsOf('engine/check.ts', "import { loadProject } from '../project';\nimport { a } from './x';"), []);
  assert.deepEqual(violationsOf('warehouse/lock.ts', "import { promises } from 'fs';"), []);
  assert.deepEqual(violationsOf('engine/check.ts', "import { X } from '../protocol';"), ['engine/check -> protocol']);
  assert.deepEqual(violationsOf('features/hover.ts', "import { X } from '../cli/main';"), ['features/hover -> cli/main']);
});
