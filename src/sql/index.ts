/**
 * The SQL model runner: discover model groups (mallard folders and dbt projects), order
 * models by their refs, select (dbt selectors), compile (Jinja), and build a group's database
 * all or nothing.
 */
export { parseModel, type Materialization, type ParsedModel, type RefCall, type SourceCall } from './parse.js';
export { JinjaEnv } from './jinja.js';
export { parseSchemaFile, KNOWN_TESTS, type SchemaFile, type SchemaTest, type SourceDecl } from './schema-file.js';
export { getModel, loadProject, type Model, type ModelGroup, type ModelProject } from './project.js';
export { dbtTestName } from './dbt-tests.js';
export { orderModels } from './graph.js';
export { selectByGroup, selectModels, type GroupSelection } from './select.js';
export { compileModel, compileSelect, type CompiledModel, type CompileOptions, type ModelVars } from './compile.js';
export { compileTest } from './compile-test.js';
export { fileLine } from './failures.js';
export { findShrinks, formatShrink, type Shrink } from './shrink.js';
export { planBuild, formatBuildPlan, type PlannedBuild, type PlannedModel } from './plan.js';
export { buildModelDatabase, neededSources, selectedTests, type ModelBuildOptions, type ModelBuildResult, type ModelRun, type TestRun } from './build.js';
