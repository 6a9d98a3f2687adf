// Each DV code is reported from exactly one file of server/src/rules/, the rule named for what it checks, so a reader
// who looks for a code finds all of it in one place. The test walks rules/, reads the code literals outside comments,
// and fails when a code appears in two files, when a file that reports codes exports no rule of VAULT_RULES, and when
// a rule module exports a rule that VAULT_RULES leaves out (its fixtures would never run).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CODES } from '../../server/src/base/codes';
import { VAULT_RULES, type VaultRule } from '../../server/src/rules';

const rulesDir = join(__dirname, '..', '..', 'server', 'src', 'rules');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The code literals ('DV302', "DV302", `DV302…`) of a source text, comments left out. */
export function codeLiterals(source: string): Set<string> {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return new Set([...code.matchAll(/['"`](DV\d{3})\b/g)].map((m) => m[1] as string));
}

function isVaultRule(value: unknown): value is VaultRule {
  return typeof value === 'object' && value !== null && typeof (value as VaultRule).id === 'string' && typeof (value as VaultRule).check === 'function';
}

test('the code literals are read from code, not from comments', () => {
  assert.deepEqual([...codeLiterals("// DV101 and 'DV102' in a comment\n/* 'DV103' */\nconst a = diagnostic('DV302', x); const b = `DV303: ${c}`;")], ['DV302', 'DV303']);
});

test('every DV code is reported from one file of server/src/rules/ only', () => {
  const filesOf = new Map<string, string[]>();
  for (const file of tsFiles(rulesDir)) {
    for (const code of codeLiterals(readFileSync(file, 'utf8'))) filesOf.set(code, [...(filesOf.get(code) ?? []), relative(rulesDir, file)]);
  }
  assert.ok(filesOf.size > 10, 'the walk found the rules');
  for (const [code, files] of filesOf) {
    assert.ok(code in CODES, `${code} (in ${files.join(', ')}) is not in server/src/base/codes.ts`);
    assert.equal(files.length, 1, `${code} is reported from ${files.join(' and ')}: move it into the one rule that checks it`);
  }
});

test('a file that reports codes is a rule of VAULT_RULES, and every rule a module exports is in VAULT_RULES', async () => {
  const listed = new Set<VaultRule>(VAULT_RULES);
  for (const file of tsFiles(rulesDir)) {
    const rel = relative(rulesDir, file);
    const rules = Object.values((await import(file)) as Record<string, unknown>).filter(isVaultRule);
    if (rel === 'index.ts') continue;
    for (const rule of rules) assert.ok(listed.has(rule), `${rel} exports the rule ${rule.id} (${rule.title}), which VAULT_RULES in rules/index.ts leaves out`);
    if (codeLiterals(readFileSync(file, 'utf8')).size > 0) assert.ok(rules.length > 0, `${rel} reports codes but exports no rule: report them from the rule that checks them`);
  }
});
