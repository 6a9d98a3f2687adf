// CONVENTIONS.md §1: only server/src/features/ and server/src/server.ts know LSP. Every other file under server/src
// (and the shared protocol file) imports neither `vscode` nor `vscode-languageserver*`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const src = join(__dirname, '..', '..', 'server', 'src');
const LSP_IMPORT = /(?:from\s+|import\s*\(\s*|require\s*\(\s*|import\s+)['"](vscode|vscode-languageserver[^'"]*|vscode-languageclient[^'"]*)['"]/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

test('no core module imports vscode or vscode-languageserver', () => {
  const files = sourceFiles(src);
  assert.ok(files.length > 50, 'the scan found the sources');
  const offenders: string[] = [];
  for (const file of files) {
    const rel = relative(src, file).split('\\').join('/');
    if (rel.startsWith('features/') || rel === 'server.ts') continue;
    for (const m of readFileSync(file, 'utf8').matchAll(LSP_IMPORT)) offenders.push(`${rel} imports ${m[1]}`);
  }
  assert.deepEqual(offenders, []);
});

test('the scan recognises an LSP import (it can fail)', () => {
  const sample = "import { CompletionItemKind } from 'vscode-languageserver';\nconst x = require('vscode');";
  assert.deepEqual([...sample.matchAll(LSP_IMPORT)].map((m) => m[1]), ['vscode-languageserver', 'vscode']);
});
