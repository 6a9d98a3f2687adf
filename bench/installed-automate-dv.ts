// Compile time of the sample project through the installed AutomateDV's own macros against the built-in emulation.
// AutomateDV is taken from DVS_BENCH_AUTOMATE_DV (a package folder) or exported from the local mirror's release tag
// (DVS_BENCH_AUTOMATE_DV_TAG, default v0.11.5) into a temporary folder outside the repository. Prints figures; asserts
// nothing. Run: node --import tsx bench/installed-automate-dv.ts
import { execSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectSession } from '../server/src/engine/session';

const MIRROR = '/work/.mirror/Datavault-UK+automate-dv/repo';

function packageFolder(work: string): string | undefined {
  const given = process.env.DVS_BENCH_AUTOMATE_DV;
  if (given) return given;
  if (!existsSync(MIRROR)) return undefined;
  const dir = join(work, 'automate_dv');
  mkdirSync(dir);
  execSync(`git -C ${MIRROR} archive ${process.env.DVS_BENCH_AUTOMATE_DV_TAG ?? 'v0.11.5'} | tar -x -C ${dir}`);
  return dir;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const work = mkdtempSync(join(tmpdir(), 'dvs-bench-adv-'));
try {
  const pkg = packageFolder(work);
  if (!pkg) {
    console.log('AutomateDV not available: set DVS_BENCH_AUTOMATE_DV to an installed package folder.');
    process.exit(0);
  }
  const project = join(work, 'project');
  cpSync(join(__dirname, '..', 'sample-project'), project, { recursive: true, filter: (p) => !p.includes('/.dvs') });
  mkdirSync(join(project, 'dbt_packages'), { recursive: true });
  symlinkSync(pkg, join(project, 'dbt_packages', 'automate_dv'));
  console.log('| figure | installed macros | emulation |');
  console.log('| --- | ---: | ---: |');
  const rows: Record<string, [string, string]> = {};
  (['installed', 'emulated'] as const).forEach((mode, i) => {
    const session = new ProjectSession(project, { env: {}, automateDv: mode });
    const nodes = session.models();
    let t = performance.now();
    for (const n of nodes) session.compile(n, { formatSql: false });
    const cold = performance.now() - t;
    const passes: number[] = [];
    for (let k = 0; k < 7; k++) {
      t = performance.now();
      for (const n of nodes) session.compile(n, { formatSql: false });
      passes.push(performance.now() - t);
    }
    const perModel = (name: string) => {
      const node = session.node(name);
      if (!node) return NaN;
      const xs: number[] = [];
      for (let k = 0; k < 15; k++) {
        t = performance.now();
        session.compile(node, { formatSql: false });
        xs.push(performance.now() - t);
      }
      return median(xs);
    };
    const put = (figure: string, v: number) => {
      rows[figure] ??= ['', ''];
      rows[figure][i] = `${v.toFixed(1)} ms`;
    };
    put(`first pass over ${nodes.length} models (parses the package)`, cold);
    put(`warm pass over ${nodes.length} models (median of 7)`, median(passes));
    put('stg_users (stage), warm median', perModel('stg_users'));
    put('sat_users (satellite), warm median', perModel('sat_users'));
    put('hub_users (hub), warm median', perModel('hub_users'));
  });
  for (const [figure, [a, b]] of Object.entries(rows)) console.log(`| ${figure} | ${a} | ${b} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
