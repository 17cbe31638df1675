/**
 * The SQL model runner: discover models/<group>/<name>.sql and schema.yml, order them by
 * their refs, select (dbt selectors), compile, and build a group's database all or nothing.
 */
export { parseModel, type Materialization, type ParsedModel, type RefCall, type SourceCall, type VarCall } from './parse.js';
export { parseSchemaFile, type SchemaFile, type SchemaTest, type SourceDecl } from './schema-file.js';
export { getModel, loadProject, type Model, type ModelGroup, type ModelProject } from './project.js';
export { orderModels } from './graph.js';
export { selectByGroup, selectModels, type GroupSelection } from './select.js';
export { compileModel, compileSelect, compileTest, type CompiledModel, type ModelVars } from './compile.js';
export { fileLine } from './failures.js';
export { findShrinks, formatShrink, type Shrink } from './shrink.js';
export { planBuild, formatBuildPlan, type PlannedBuild, type PlannedModel } from './plan.js';
export { buildModelDatabase, neededSources, type ModelBuildOptions, type ModelBuildResult, type ModelRun, type TestRun } from './build.js';
