// `npm run fuzz [-- --seed N] [--scale K] [--minutes M]`: the fuzz tests of test/reliability run long — K times the
// runs of `npm test` (default 50), optionally stopped after M minutes per property — with a fresh seed unless one is
// given. A failure prints fast-check's seed and path; re-run with `--seed N` to reproduce it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value)) {
    console.error(`fuzz: --${name} needs a number`);
    process.exit(2);
  }
  return value;
}
const seed = option('seed', Date.now() % 2 ** 31);
const scale = option('scale', 50);
const minutes = option('minutes', undefined);

const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
if (build.status !== 0) process.exit(build.status ?? 1);

console.error(`fuzz: seed ${seed}, ${scale}× the runs of npm test${minutes ? `, at most ${minutes} min per property` : ''}`);
const env = { ...process.env, DVS_FUZZ_SEED: String(seed), DVS_FUZZ_SCALE: String(scale) };
if (minutes) env.DVS_FUZZ_TIME_MS = String(Math.round(minutes * 60_000));
const files = ['test/reliability/fuzz-core.test.ts', 'test/reliability/fuzz-lsp.test.ts'];
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=0', ...files], { stdio: 'inherit', cwd: root, env });
if (run.status !== 0) console.error(`fuzz: failures with seed ${seed}; reproduce with: npm run fuzz -- --seed ${seed} --scale ${scale}`);
process.exit(run.status ?? 1);
