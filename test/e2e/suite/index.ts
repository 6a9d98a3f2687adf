// The extension-host test suite's entry: `run()` as @vscode/test-electron and the code-server runner (scripts/e2e.mjs)
// both call it inside a real VS Code. Loads the compiled *.e2e.js files beside it into mocha and prints one
// machine-readable summary line for the runner.
import Mocha from 'mocha';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SUMMARY_PREFIX = 'DVS_E2E_SUMMARY ';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', timeout: 180_000, color: false, reporter: 'spec' });
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.e2e.js')).sort()) mocha.addFile(join(__dirname, file));
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const stats = runner.stats ?? { passes: 0, failures };
      const summary = JSON.stringify({ passed: stats.passes, failed: stats.failures });
      console.log(`${SUMMARY_PREFIX}${summary}`);
      // Under @vscode/test-electron the runner reads the counts from this file (the console is VS Code's own).
      const file = process.env.DVS_E2E_SUMMARY_FILE;
      if (file) writeFileSync(file, summary);
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
  });
}
