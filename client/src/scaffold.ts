// "New Hub / Link / Satellite from Raw Table": the user picks a raw table and its key (and payload) columns; the server
// fills the scaffolds of templates/scaffolds/ (`dvs/scaffold`); the client writes the files and opens the new model.
import * as vscode from 'vscode';
import { Scaffold, type RawColumn, type ScaffoldKind, type ScaffoldResult } from '../../server/src/protocol';
import { describeFailure, sendDvsRequest } from './languageClient';
import { pickRawTable } from './queryResults';
import type { RawNode } from './rawSchemaView';
import type { Services } from './services';

const KEY_PROMPTS: Record<ScaffoldKind, { prompt: string; min: number }> = {
  hub: { prompt: 'The business key column(s) of the hub', min: 1 },
  link: { prompt: 'The key columns of the linked hubs (at least two, e.g. user_id and product_id)', min: 2 },
  sat: { prompt: "The parent hub's business key column(s) in this table", min: 1 },
};

/** Airbyte's bookkeeping columns are never business data. */
function isLoadMetadata(column: string): boolean {
  return column.startsWith('_airbyte_');
}

async function pickColumns(title: string, columns: RawColumn[], picked: (c: RawColumn) => boolean, min: number): Promise<string[] | undefined> {
  const items = columns.map((c) => ({ label: c.name, description: c.type, picked: picked(c) }));
  const chosen = await vscode.window.showQuickPick(items, { title, canPickMany: true, placeHolder: title });
  if (!chosen) return undefined;
  if (chosen.length < min) {
    void vscode.window.showWarningMessage(`Data Vault: pick at least ${min} column${min > 1 ? 's' : ''}.`);
    return undefined;
  }
  return chosen.map((c) => c.label);
}

async function writeFiles(result: ScaffoldResult): Promise<vscode.Uri | undefined> {
  const clashes = result.files.filter((f) => f.exists);
  if (clashes.length) {
    const names = clashes.map((f) => vscode.Uri.parse(f.uri).path.split('/').pop()).join(', ');
    const answer = await vscode.window.showWarningMessage(`Data Vault: ${names} already exist. Overwrite?`, { modal: true }, 'Overwrite');
    if (answer !== 'Overwrite') return undefined;
  }
  for (const file of result.files) {
    const uri = vscode.Uri.parse(file.uri);
    await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(uri, '..'));
    await vscode.workspace.fs.writeFile(uri, Buffer.from(file.content, 'utf8'));
  }
  const first = result.files[0];
  return first ? vscode.Uri.parse(first.uri) : undefined;
}

/** `node` is the Raw Schema view's table when run from its context menu. Returns the new model's URI. */
export async function scaffoldCommand(services: Services, kind: ScaffoldKind, node?: RawNode): Promise<vscode.Uri | undefined> {
  const table =
    node?.kind === 'table' ? { schema: node.schema, name: node.table.name } : await pickRawTable(services);
  if (!table) return undefined;
  const raw = services.rawSchema.current()?.schemas.find((s) => s.name === table.schema)?.tables.find((t) => t.name === table.name);
  const columns = raw?.columns ?? [];
  const keySpec = KEY_PROMPTS[kind];
  const keyColumns = await pickColumns(
    `${keySpec.prompt}: ${table.schema}.${table.name}`,
    columns.filter((c) => !isLoadMetadata(c.name)),
    (c) => (kind === 'link' ? /_id$/i.test(c.name) : c.name === 'id'),
    keySpec.min,
  );
  if (!keyColumns) return undefined;
  let payloadColumns: string[] | undefined;
  if (kind === 'sat') {
    payloadColumns = await pickColumns(
      `The satellite's payload columns: ${table.schema}.${table.name}`,
      columns.filter((c) => !isLoadMetadata(c.name) && !keyColumns.includes(c.name)),
      (c) => c.name !== 'updated_at' && c.name !== 'created_at',
      1,
    );
    if (!payloadColumns) return undefined;
  }
  try {
    const result = await sendDvsRequest(await services.client(), Scaffold, {
      kind,
      source: { schema: table.schema, table: table.name },
      keyColumns,
      payloadColumns,
    });
    const uri = await writeFiles(result);
    if (uri) await vscode.window.showTextDocument(uri);
    return uri;
  } catch (error) {
    void vscode.window.showErrorMessage(`Data Vault: ${describeFailure(error, `Creating the ${kind}`)}`);
    return undefined;
  }
}
