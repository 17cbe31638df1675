/**
 * A mallard group: `models/<group>/<name>.sql` (one SELECT each, a table unless a
 * `-- materialized: view` header or config() says otherwise) and `<group>/schema.yml`
 * (database, sources, tests, exports, descriptions). Its models are Jinja templates like a
 * dbt project's; `var()` gives a SQL string literal of the run's value.
 */
import path from 'node:path';
import { JinjaEnv } from './jinja.js';
import { headerMaterialization, parseModel } from './parse.js';
import { filesFingerprint, readDirSorted, registerModel, type LoadContext, type ModelGroup } from './project.js';
import { parseSchemaFile, type ModelDocs } from './schema-file.js';

const SCHEMA_FILES = ['schema.yml', 'schema.yaml'];

function applyDocs(ctx: LoadContext, group: ModelGroup, docs: ModelDocs[]): void {
  for (const d of docs) {
    const model = ctx.project.models.get(d.model);
    if (model === undefined || model.group !== group.name) continue;
    if (d.description !== undefined) model.description = d.description;
    model.columns = d.columns;
  }
}

export async function loadMallardGroup(ctx: LoadContext, dir: string, name: string): Promise<ModelGroup> {
  const jinja = new JinjaEnv();
  const g: ModelGroup = { name, dir, kind: 'mallard', database: name, sources: new Map(), tests: [], models: [], exports: [], vars: {}, files: [], fingerprint: '', jinja, scope: {} };
  let docs: ModelDocs[] = [];
  const entries = await readDirSorted(dir);
  ctx.cache.prefetch(entries.filter((e) => e.isFile()).map((e) => path.join(dir, e.name)));
  for (const entry of entries) {
    const file = path.join(dir, entry.name);
    if (!entry.isFile()) continue;
    if (SCHEMA_FILES.includes(entry.name)) {
      const schema = parseSchemaFile(await ctx.cache.text(file), ctx.display(file));
      g.schemaFile = ctx.display(file);
      if (schema.database !== undefined) g.database = schema.database;
      for (const s of schema.sources) g.sources.set(s.name, s);
      g.exports.push(...schema.exports);
      g.tests.push(...schema.tests);
      docs = schema.docs;
      g.files.push(file);
      continue;
    }
    if (!entry.name.endsWith('.sql')) continue;
    const text = await ctx.cache.text(file);
    const displayPath = ctx.display(file);
    const parsed = parseModel(jinja, text, displayPath);
    const materialization = parsed.materialization ?? headerMaterialization(text, displayPath) ?? 'table';
    const uniqueKey = parsed.config['unique_key'];
    const tombstone = parsed.config['tombstone'];
    registerModel(ctx, {
      name: entry.name.slice(0, -'.sql'.length),
      group: name,
      file,
      displayPath,
      text,
      materialization,
      refs: parsed.refs,
      sources: parsed.sources,
      template: parsed.template,
      uniqueKey: uniqueKey === undefined ? [] : [uniqueKey].flat().map(String),
      ...(tombstone === undefined ? {} : { tombstone: String(tombstone) }),
      columnTypes: {},
      columns: [],
    });
    g.models.push(entry.name.slice(0, -'.sql'.length));
    g.files.push(file);
  }
  applyDocs(ctx, g, docs);
  g.fingerprint = await filesFingerprint(dir, g.files, ctx.cache);
  return g;
}
