// The .sql files of the repository's test fixtures, sample project and templates: a corpus of real model texts for the
// tests that compare two ways of reading them.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** Every .sql file under `dir`, leaving out node_modules, .git and dbt's target folders. */
export function sqlFilesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === '.git' || name === 'target') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sqlFilesUnder(path, out);
    else if (name.endsWith('.sql')) out.push(path);
  }
  return out;
}

/** The .sql files of test/, sample-project/ and templates/. */
export function repositorySqlFiles(): string[] {
  return ['test', 'sample-project', 'templates'].flatMap((dir) => sqlFilesUnder(join(ROOT, dir)));
}
