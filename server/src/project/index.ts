// The dbt project model: what the CLI, the language server and the compiler import from server/src/project.
export { loadProject, DbtProject } from './project';
export type {
  DependencyExtractor,
  LoadProjectOptions,
  ModelDependencies,
  NodeKind,
  ProjectDiagnostic,
  ProjectGraphNode,
  ProjectNode,
  RefCall,
  SourceCall,
} from './project';
export { nodeFileSystem, findProjectRoot, type FileSystem } from './file-system';
export { parseDotenv, projectEnvironment, type ProjectEnvironment } from './environment';
export { parseDbtProjectFile, type DbtProjectFile, type ProjectQuoting } from './dbt-project-file';
export { buildConfigTree, mergeConfigLayers, projectConfigLayers, configBoolean, configString, configTags, type ConfigLayer, type ConfigLevel, type ConfigOrigin, type EffectiveConfig } from './model-config';
export {
  EMBEDDED_TARGET_NAME,
  findProfilesFile,
  parseProfilesFile,
  resolveTarget,
  targetNames,
  defaultTargetSchema,
  type ProfilesFile,
  type TargetContext,
  type TargetPurpose,
  type TargetRequest,
  type TargetResolution,
  type TargetResolved,
  type TargetUnresolved,
} from './profiles';
export { compatForVersion, readPackages, versionFromSpec, type AutomateDvPackage, type PackagesInfo } from './packages';
export { classifySchemaMacro, defaultSchemaFor, findMacros, schemaNamingFrom, type MacroDefinition, type ProjectNotice, type SchemaNaming, type SchemaNamingKind } from './schema-naming';
export { parsePropertiesFile, type DeclaredColumn, type NodeProperties, type SourceDefinition, type SourceTable } from './properties';
export { parseCsv, inferSeedColumnType, seedColumns } from './seeds';
export { ancestors, buildGraph, descendants, findCycles, topologicalOrder, type DependencyGraph } from './graph';
export { parseYaml, type YValue, type YMap, type YSeq, type YScalar, type YEntry } from './yaml-tree';
