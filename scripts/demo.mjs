// `npm run demo`: the sample pipeline end to end on the embedded database. Three hourly Airbyte-Faker syncs into
// `raw`, each followed by a load of stg → dds → mart (a live line per model), then the dashboard's headline figures
// and the whole dashboard as one HTML file (`dvs dashboard`, under sample-project/target/).
// Running it again continues with the next syncs and loads only what changed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const project = join(root, 'sample-project');
const cli = join(root, 'dist', 'cli.js');
const SYNCS = Number(process.env.DVS_DEMO_SYNCS ?? 3);

function step(title) {
  process.stderr.write(`\n== ${title}\n`);
}

function dvs(args, { capture = false } = {}) {
  const r = spawnSync(process.execPath, [cli, ...args, '--project', project, '--target', 'embedded'], {
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    process.stderr.write(`\ndemo: 'dvs ${args[0]}' failed (exit ${r.status}); see the lines above.\n`);
    process.exit(r.status ?? 1);
  }
  return r.stdout;
}

step('Building Data Vault Studio');
if (spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' }).status !== 0) process.exit(1);
if (!existsSync(cli)) process.exit(1);

for (let i = 1; i <= SYNCS; i++) {
  step(`Sync ${i} of ${SYNCS}: Airbyte Faker → raw (Incremental | Append)`);
  dvs(['generate-raw', '--syncs', '1']);
  step(`Load ${i} of ${SYNCS}: raw → stg → dds → mart`);
  dvs(['load']);
}

const kpis = JSON.parse(dvs(['query', 'select * from mart.mart_monthly_kpis where is_current_month'], { capture: true }))[0];
const makes = JSON.parse(
  dvs(
    [
      'query',
      `select make, sum(purchases)::bigint as purchases, sum(income) as income
         from mart.mart_manufacturer_sales group by make order by purchases desc, income desc, make limit 5`,
    ],
    { capture: true },
  ),
);

const money = (v) => '$' + Math.round(Number(v)).toLocaleString('en-US');
const change = (v) => (v === null || v === undefined ? 'n/a' : `${Number(v) > 0 ? '+' : ''}${Number(v).toFixed(1)}%`);
const rows = kpis
  ? [
      ['Purchases', kpis.purchases, change(kpis.purchases_change_pct)],
      ['Income', money(kpis.income), change(kpis.income_change_pct)],
      ['Returns', kpis.returns, change(kpis.returns_change_pct)],
      ['Added to cart', kpis.added_to_cart, change(kpis.added_to_cart_change_pct)],
    ]
  : [];
const table = (header, body) => {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
};

console.log(`\nHeadline figures for ${kpis ? kpis.month.slice(0, 7) : '(no data)'} (this month vs last month)\n`);
console.log(table(['Metric', 'This month', 'Change'], rows));
console.log('\nTop 5 manufacturers (all time)\n');
console.log(table(['Make', 'Purchases', 'Income'], makes.map((m) => [m.make, m.purchases, money(m.income)])));
// The dashboard of the sample's Superset export, drawn from the marts into one HTML file (no Superset, no Docker).
const dashboard = dvs(['dashboard'], { capture: true }).trim();
console.log(`\nDashboard (open it in a browser): ${dashboard}`);
console.log(`\nThe vault is in ${join('sample-project', '.dvs', 'pglite')}; query it with: node dist/cli.js query --project sample-project --target embedded "select * from mart.mart_monthly_kpis"`);
