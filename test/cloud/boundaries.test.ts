import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The cloud flows are core modules: the VS Code commands call them with injected IO, never the other way round.
test('server/src/cloud imports neither vscode nor the LSP libraries', () => {
  const dir = join(__dirname, '..', '..', 'server', 'src', 'cloud');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 10);
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    const imports = [...text.matchAll(/(?:from|import|require\()\s*['"]([^'"]+)['"]/g)].map((m) => m[1] as string);
    for (const name of imports) assert.doesNotMatch(name, /^vscode(-languageserver|-languageclient)?($|\/)/, `${file} imports ${name}`);
  }
});
