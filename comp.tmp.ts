import { ProjectSession } from './server/src/engine/session';
import { featureProjectOfSession } from './server/src/features/session-view';
import { createVaultIndex } from './server/src/rules';
import { completionItems } from './server/src/features/completion';
import { readFileSync } from 'node:fs';
const s = new ProjectSession(process.cwd() + '/sample-project');
const fp = featureProjectOfSession(s, () => ({ target: 'embedded', connected: false }));
function at(model: string, file: string, t: string) {
  const o = t.indexOf('$0'); const text = t.slice(0, o) + t.slice(o + 2);
  s.updateFile(`${process.cwd()}/sample-project/models/${file}`, text);
  const index = createVaultIndex(fp);
  const items = completionItems({ project: fp, index, modelName: model, parsed: fp.parsedModel(model)!, offset: o });
  console.log('---', model, items.length);
  for (const i of items.sort((a, b) => a.sortText!.localeCompare(b.sortText!)).slice(0, process.env.ALL ? 99 : 6)) console.log(' ', i.sortText, i.label, '|', i.detail, '|', JSON.stringify(i.textEdit).slice(0, 80));
}
const sat = readFileSync('sample-project/models/dds/sat_users.sql', 'utf8');
at('sat_users', 'dds/sat_users.sql', sat.replace("  - 'TITLE'", "  - 'TI$0TLE'"));
at('sat_users', 'dds/sat_users.sql', sat.replace("src_pk: 'USER_HK'", "src_pk: '$0USER_HK'"));
at('sat_users', 'dds/sat_users.sql', sat.replace("src_hashdiff: 'USER_HASHDIFF'", "src_hashdiff: $0"));
at('sat_users', 'dds/sat_users.sql', sat.replace("src_ldts: 'LOAD_DATE'", "src_ldts: '$0'"));
const hub = readFileSync('sample-project/models/dds/hub_users.sql', 'utf8');
at('hub_users', 'dds/hub_users.sql', hub.replace('src_nk = "USER_ID"', 'src_nk = "$0"'));
at('hub_users', 'dds/hub_users.sql', hub.replace('source_model = "stg_users"', 'source_model = "$0stg_users"'));
const stg = readFileSync('sample-project/models/stg/stg_users.sql', 'utf8');
at('stg_users', 'stg/stg_users.sql', stg.replace("      - 'TITLE'", "      - '$0'"));
at('stg_users', 'stg/stg_users.sql', stg.replace("  raw: 'users'", "  raw: '$0users'"));
at('stg_users', 'stg/stg_users.sql', stg.replace("hashed_columns:\n", "hashed_columns:\n  $0\n"));
at('stg_users', 'stg/stg_users.sql', stg.replace("source_model:\n", "$0\nsource_model:\n"));
