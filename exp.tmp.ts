import { openPglite } from './server/src/warehouse/pglite';
import { generateRaw } from './server/src/generate/generate-raw';
async function main() {
  const wh = await openPglite(undefined);
  const n = Number(process.argv[2] ?? 1000);
  let t = Date.now();
  const r = await generateRaw(wh, { users: n, syncs: Number(process.argv[3] ?? 1) });
  console.log('ms', Date.now() - t, JSON.stringify(r.syncs.map(s => [s.syncId, s.extractedAt, s.rows, s.changes])));
  const q = async (s: string) => console.table((await wh.query(s)).rows);
  await q(`select to_char(date_trunc('month', purchased_at),'YYYY-MM') m, count(*) from raw.purchases where _airbyte_meta->>'sync_id' = '1' and purchased_at is not null group by 1 order by 1`);
  await q(`select to_char(date_trunc('month', returned_at),'YYYY-MM') m, count(*) from raw.purchases where _airbyte_meta->>'sync_id' = '1' and returned_at is not null group by 1 order by 1`);
  await q(`select to_char(date_trunc('month', added_to_cart_at),'YYYY-MM') m, count(*) from raw.purchases where _airbyte_meta->>'sync_id' = '1' group by 1 order by 1`);
  await q(`select * from raw.users limit 2`);
  await q(`select * from raw.purchases limit 3`);
  await q(`select * from raw.products limit 3`);
  await wh.close();
}
main();
