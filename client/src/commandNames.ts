// The ids of every command the extension contributes, in one list that does not import `vscode`, so a plain node test
// can check them against package.json `contributes.commands` and the command table.

export const COMMAND_NAMES = [
  'dataVault.previewCompiledSql',
  'dataVault.togglePreviewIncremental',
  'dataVault.peekCompiledSql',
  'dataVault.runLoads',
  'dataVault.runTests',
  'dataVault.deployInfrastructure',
  'dataVault.destroyInfrastructure',
  'dataVault.openSuperset',
  'dataVault.publishDashboard',
  'dataVault.syncAirbyteConnection',
  'dataVault.refreshRawSchema',
  'dataVault.refreshVault',
  'dataVault.selectTarget',
  'dataVault.generateRawData',
  'dataVault.createSampleProject',
  'dataVault.runQuery',
  'dataVault.showTable',
  'dataVault.newHub',
  'dataVault.newLink',
  'dataVault.newSatellite',
  'dataVault.showVaultDiagram',
  'dataVault.showDashboard',
  'dataVault.showHashOf',
  'dataVault.showOutput',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];
