/**
 * A dbt project as a model group: `models/<group>/dbt_project.yml` and the folders it names
 * (model-paths, seed-paths, macro-paths, test-paths), read the way dbt-duckdb reads them.
 * Models are found recursively, configured by folder configs < property-file `config:` <
 * the model's own `config()`, and default to views; seeds are models materialized `seed`;
 * macros become globals of the group's Jinja; singular tests are tests of kind `singular`.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import { parseDbtYaml as parseYaml } from './dbt-yaml.js';
import { checkHooks, folderConfig, parseDbtProjectFile, unsupported, type DbtProjectFile } from './dbt-config.js';
import { nodeTests, parsePropertyFile, type NodeProperties } from './dbt-properties.js';
import { JinjaEnv, TemplateCallError, type RenderScope } from './jinja.js';
import { callLine, materializationOf, parseModel, relation, type Materialization } from './parse.js';
import { filesFingerprint, readDirSorted, registerModel, type FileCache, type LoadContext, type Model, type ModelGroup } from './project.js';
import type { SchemaTest, SourceDecl } from './schema-file.js';
import { TemplateCache } from './template-cache.js';

const PROJECT_FILE = 'dbt_project.yml';
const DOCS_BLOCK = /\{%-?\s*docs\s+([A-Za-z_][A-Za-z0-9_]*)\s*-?%\}([\s\S]*?)\{%-?\s*enddocs\s*-?%\}/g;

export async function isDbtProject(dir: string): Promise<boolean> {
  return access(path.join(dir, PROJECT_FILE)).then(() => true, () => false);
}

/** Files under `dir` (recursively, sorted, dot-folders skipped); none when it does not exist. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readDirSorted(dir).catch(() => undefined);
  if (entries === undefined) return [];
  const files: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) files.push(...(await walk(full)));
    else if (e.isFile()) files.push(full);
  }
  return files;
}

interface Loading {
  ctx: LoadContext;
  dir: string;
  group: ModelGroup;
  project: DbtProjectFile;
  props: Map<string, NodeProperties>;
  docs: Map<string, string>;
}

async function under(dir: string, folders: readonly string[], cache?: FileCache): Promise<Array<{ file: string; root: string }>> {
  const out: Array<{ file: string; root: string }> = [];
  for (const f of folders) for (const file of await walk(path.join(dir, f))) out.push({ file, root: path.join(dir, f) });
  cache?.prefetch(out.map((o) => o.file).filter((f) => !f.endsWith('.csv')));
  return out;
}

async function checkPackages(l: Loading): Promise<void> {
  for (const name of ['packages.yml', 'dependencies.yml']) {
    const file = path.join(l.dir, name);
    const text = await l.ctx.cache.text(file).catch(() => undefined);
    if (text === undefined) continue;
    l.group.files.push(file);
    const doc = (parseYaml(text) ?? {}) as Record<string, unknown>;
    if (Array.isArray(doc['packages']) && doc['packages'].length > 0) {
      throw unsupported(l.ctx.display(file), 'dbt packages', `copy the macros you use from the packages into ${l.project.macroPaths[0] ?? 'macros'}/ and remove ${name}`);
    }
  }
}

async function checkSnapshots(l: Loading): Promise<void> {
  for (const { file } of await under(l.dir, l.project.snapshotPaths)) {
    if (/\.(sql|ya?ml)$/.test(file)) throw unsupported(l.ctx.display(file), 'snapshots', 'remove the snapshot (keep history with an incremental model instead), then run again');
  }
}

/** The names every template of the group sees besides ref/source/config. */
function groupScope(l: Loading): RenderScope {
  return {
    target: { name: 'dev', target_name: 'dev', type: 'duckdb', schema: 'main', database: l.group.database, threads: 1, profile_name: l.project.name },
    doc: (name: unknown) => {
      const text = l.docs.get(String(name));
      if (text === undefined) throw new TemplateCallError(`doc('${String(name)}'): no {% docs ${String(name)} %} block in the project's .md files`);
      return text;
    },
  };
}

function describe(l: Loading, text: string | undefined, file: string): string | undefined {
  if (text === undefined || !text.includes('{')) return text;
  return l.group.jinja.render(l.group.jinja.compile(text, file), groupScope(l)).trim();
}

function applyProps(l: Loading, model: Model): void {
  const props = l.props.get(model.name);
  if (props === undefined) return;
  const description = describe(l, props.description, props.file);
  if (description !== undefined) model.description = description;
  model.columns = props.columns.map((c) => ({ name: c.name, ...(c.description === undefined ? {} : { description: describe(l, c.description, props.file) as string }) }));
}

function keyList(v: unknown): string[] {
  return v === undefined || v === null ? [] : [v].flat().map(String);
}

async function loadModel(l: Loading, file: string, root: string): Promise<void> {
  const displayPath = l.ctx.display(file);
  if (file.endsWith('.py')) throw unsupported(displayPath, 'Python models', 'rewrite the model in SQL (a .sql file with one SELECT), or build it outside mallard');
  if (!file.endsWith('.sql')) return;
  const name = path.basename(file, '.sql');
  const text = await l.ctx.cache.text(file);
  if (/\{%-?\s*snapshot\s/.test(text)) throw unsupported(displayPath, 'snapshots', 'remove the snapshot block (keep history with an incremental model instead)');
  const dirs = path.relative(root, path.dirname(file)).split(path.sep).filter((d) => d !== '');
  const parsed = parseModel(l.group.jinja, text, displayPath, { ...groupScope(l), this: relation(`"${name}"`, name), model: { name } });
  const config = { ...folderConfig(l.project.models, l.project.name, dirs, name, l.project.file), ...(l.props.get(name)?.config ?? {}), ...parsed.config };
  checkHooks(parsed.config, displayPath);
  checkHooks(config, l.props.get(name)?.file ?? l.project.file);
  l.group.files.push(file);
  if (config['enabled'] === false) return;
  if (config['alias'] !== undefined) throw unsupported(displayPath, 'aliases', `remove alias: the relation is named after the file (${name})`);
  const materialization: Materialization = config['materialized'] === undefined ? 'view' : materializationOf(config['materialized'], displayPath, callLine(text, 'config', []));
  const strategy = String(config['incremental_strategy'] ?? 'delete+insert');
  if (!['delete+insert', 'append', 'merge'].includes(strategy)) throw unsupported(displayPath, `incremental_strategy '${strategy}'`, "use 'delete+insert' (with unique_key) or 'append'");
  const uniqueKey = strategy === 'append' ? [] : keyList(config['unique_key']);
  const tombstone = config['tombstone'] === undefined ? {} : { tombstone: String(config['tombstone']) };
  const model: Model = { name, group: l.group.name, file, displayPath, text, materialization, refs: parsed.refs, sources: parsed.sources, template: parsed.template, uniqueKey, ...tombstone, columnTypes: {}, columns: [] };
  applyProps(l, model);
  registerModel(l.ctx, model);
  l.group.models.push(name);
}

async function loadSeed(l: Loading, file: string, root: string): Promise<void> {
  if (!file.endsWith('.csv')) return;
  const name = path.basename(file, '.csv');
  const dirs = path.relative(root, path.dirname(file)).split(path.sep).filter((d) => d !== '');
  const config = { ...folderConfig(l.project.seeds, l.project.name, dirs, name, l.project.file), ...(l.props.get(name)?.config ?? {}) };
  l.group.files.push(file);
  if (config['enabled'] === false) return;
  const types = (config['column_types'] ?? {}) as Record<string, unknown>;
  const columnTypes = Object.fromEntries(Object.entries(types).map(([k, v]) => [k, String(v)]));
  const seed: Model = { name, group: l.group.name, file, displayPath: l.ctx.display(file), text: '', materialization: 'seed', refs: [], sources: [], uniqueKey: [], columnTypes, columns: [] };
  applyProps(l, seed);
  registerModel(l.ctx, seed);
  l.group.models.push(name);
}

async function loadSingularTest(l: Loading, file: string): Promise<SchemaTest | undefined> {
  if (!file.endsWith('.sql')) return undefined;
  const displayPath = l.ctx.display(file);
  const text = await l.ctx.cache.text(file);
  l.group.files.push(file);
  const parsed = parseModel(l.group.jinja, text, displayPath, groupScope(l));
  const severity = String(parsed.config['severity'] ?? 'error').toLowerCase() === 'warn' ? 'warn' : 'error';
  const refs = parsed.refs.map((r) => r.name);
  return { kind: 'singular', id: path.basename(file, '.sql'), model: refs[0] ?? '', refs, file: displayPath, severity, template: parsed.template };
}

async function readSupportFiles(l: Loading, sources: SourceDecl[]): Promise<void> {
  for (const { file } of await under(l.dir, l.project.macroPaths, l.ctx.cache)) {
    if (!file.endsWith('.sql')) continue;
    l.group.files.push(file);
    l.group.jinja.addMacros(await l.ctx.cache.text(file), l.ctx.display(file));
  }
  for (const { file } of await under(l.dir, [...l.project.modelPaths, ...l.project.seedPaths], l.ctx.cache)) {
    if (file.endsWith('.md')) {
      l.group.files.push(file);
      for (const m of (await l.ctx.cache.text(file)).matchAll(DOCS_BLOCK)) l.docs.set(m[1] as string, (m[2] as string).trim());
    } else if (/\.ya?ml$/.test(file)) {
      l.group.files.push(file);
      const props = parsePropertyFile(await l.ctx.cache.text(file), l.ctx.display(file));
      for (const n of props.nodes) l.props.set(n.name, n);
      sources.push(...props.sources);
    }
  }
}

export async function loadDbtGroup(ctx: LoadContext, dir: string, name: string): Promise<ModelGroup> {
  const projectFile = path.join(dir, PROJECT_FILE);
  const project = parseDbtProjectFile(await ctx.cache.text(projectFile), ctx.display(projectFile));
  const group: ModelGroup = { name, dir, kind: 'dbt', database: name, sources: new Map(), tests: [], models: [], exports: [], vars: project.vars, files: [projectFile], fingerprint: '', jinja: new JinjaEnv(), scope: {}, schemaFile: ctx.display(projectFile) };
  const l: Loading = { ctx, dir, group, project, props: new Map(), docs: new Map() };
  group.scope = groupScope(l);
  group.jinja.cache = await TemplateCache.open(path.join(dir, project.targetPath, 'mallard_templates.json'));
  await checkPackages(l);
  await checkSnapshots(l);
  const sources: SourceDecl[] = [];
  await readSupportFiles(l, sources);
  for (const s of sources) group.sources.set(s.name, s);
  for (const { file, root } of await under(dir, project.modelPaths)) await loadModel(l, file, root);
  for (const { file, root } of await under(dir, project.seedPaths)) await loadSeed(l, file, root);
  group.models.sort();
  for (const props of l.props.values()) if (group.models.includes(props.name)) group.tests.push(...nodeTests(props));
  for (const { file } of await under(dir, project.testPaths, ctx.cache)) {
    const t = await loadSingularTest(l, file);
    if (t !== undefined) group.tests.push(t);
  }
  await group.jinja.cache.save();
  group.files.sort();
  group.fingerprint = await filesFingerprint(dir, group.files, ctx.cache);
  return group;
}
