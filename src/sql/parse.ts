/**
 * Parsing one model file the way dbt does: the template is compiled (syntax errors name the
 * file and line) and rendered once with a capturing scope that records every `ref()`,
 * `source()` and `config()` call. The line of each call (for messages) is looked up in the
 * text. mallard's own groups also accept a `-- materialized: view` header comment.
 */
import { MallardError } from '../engine/errors.js';
import { keywordArgs, positionalArgs, TemplateCallError, type CompiledTemplate, type JinjaEnv, type RenderScope } from './jinja.js';

export type Materialization = 'table' | 'view' | 'ephemeral' | 'incremental' | 'seed';

export const MATERIALIZATIONS: readonly Materialization[] = ['table', 'view', 'ephemeral', 'incremental'];

export interface RefCall {
  kind: 'ref';
  name: string;
  line: number;
}

export interface SourceCall {
  kind: 'source';
  db: string;
  table: string;
  line: number;
}

export interface ParsedModel {
  /** Set by config(materialized=...) or the header comment; undefined = the group's default. */
  materialization?: Materialization;
  refs: RefCall[];
  sources: SourceCall[];
  /** Every keyword given to config() in the file (the last call wins per key). */
  config: Record<string, unknown>;
  template: CompiledTemplate;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER = /^\s*--\s*materiali[sz]ed\s*[:=]\s*['"]?(\w+)['"]?\s*$/i;

function parseError(file: string, line: number, message: string, suggestions: string[] = []): MallardError {
  return new MallardError('ERR_MODEL_PARSE', `${file}:${line}: ${message}`, { context: { file, line }, suggestions });
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Line of the first `fn(` whose first literal argument is `names[0]` (any `fn(` when no names
 * are given); 1 when the call is not written literally (built by a macro or a loop).
 */
export function callLine(text: string, fn: string, names: readonly string[]): number {
  for (let i = text.indexOf(`${fn}(`); i >= 0; i = text.indexOf(`${fn}(`, i + 1)) {
    if (i > 0 && /[A-Za-z0-9_]/.test(text[i - 1] as string)) continue;
    const first = names[0];
    if (first === undefined) return lineAt(text, i);
    const rest = text.slice(i + fn.length + 1, i + fn.length + first.length + 8).trimStart();
    if (rest.startsWith(`'${first}'`) || rest.startsWith(`"${first}"`)) return lineAt(text, i);
  }
  return 1;
}

export function materializationOf(value: unknown, file: string, line: number): Materialization {
  const v = String(value).toLowerCase() as Materialization;
  if (MATERIALIZATIONS.includes(v)) return v;
  throw parseError(file, line, `unknown materialization '${String(value)}'`, ["use 'view', 'table', 'incremental' or 'ephemeral'"]);
}

/** The materialization set by a `-- materialized: view` line among the leading comment lines. */
export function headerMaterialization(text: string, file: string): Materialization | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    if (!line.trimStart().startsWith('--')) return undefined;
    const m = HEADER.exec(line);
    if (m !== null) return materializationOf(m[1], file, i + 1);
  }
  return undefined;
}

function checkName(fn: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new TemplateCallError(`${fn}(): '${String(value)}' is not a valid name (letters, digits, underscores)`);
  }
  return value;
}

/** A relation as templates see it: prints as its SQL name, has dbt's attributes. */
export function relation(sql: string, identifier: string, schema = 'main', database?: string): Record<string, unknown> {
  return { identifier, name: identifier, schema, database, table: identifier, toString: () => sql };
}

/** The scope of the parse render: calls are recorded, values are placeholders. */
function captureScope(text: string, captured: Omit<ParsedModel, 'template' | 'materialization'>, extra: RenderScope): RenderScope {
  return {
    ...extra,
    execute: false,
    ref: (...raw: unknown[]) => {
      const args = positionalArgs(raw);
      const name = checkName('ref', args[args.length - 1]);
      if (args.length < 1 || args.length > 2) throw new TemplateCallError(`ref() takes one model name, got ${args.length} arguments`);
      captured.refs.push({ kind: 'ref', name, line: callLine(text, 'ref', [name]) });
      return relation(`"${name}"`, name);
    },
    source: (...raw: unknown[]) => {
      const args = positionalArgs(raw);
      if (args.length !== 2) throw new TemplateCallError(`source() takes a source name and a table name, got ${args.length} arguments`);
      const db = checkName('source', args[0]);
      const table = checkName('source', args[1]);
      captured.sources.push({ kind: 'source', db, table, line: callLine(text, 'source', [db, table]) });
      return relation(`"${db}"."${table}"`, table, 'main', db);
    },
    config: (...raw: unknown[]) => {
      Object.assign(captured.config, keywordArgs(raw));
      return '';
    },
    var: (name: unknown, fallback?: unknown) => (fallback === undefined ? `'${String(name)}'` : fallback),
    is_incremental: () => false,
  };
}

/**
 * Parses a model's text: compiles it with `jinja` and renders it once capturing refs, sources
 * and config. `extra` adds names of the group (this, target, doc...). `file` names it in errors.
 */
export function parseModel(jinja: JinjaEnv, text: string, file: string, extra: RenderScope = {}): ParsedModel {
  const template = jinja.compile(text, file);
  const captured = { refs: [] as RefCall[], sources: [] as SourceCall[], config: {} as Record<string, unknown> };
  jinja.render(template, captureScope(text, captured, extra));
  const refs = dedupeCalls(captured.refs, (r) => r.name);
  const sources = dedupeCalls(captured.sources, (s) => `${s.db}.${s.table}`);
  const set = captured.config['materialized'] ?? captured.config['materialised'];
  const materialization = set === undefined ? undefined : materializationOf(set, file, callLine(text, 'config', []));
  return { ...(materialization === undefined ? {} : { materialization }), refs, sources, config: captured.config, template };
}

function dedupeCalls<T>(calls: T[], key: (c: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const c of calls) if (!seen.has(key(c))) seen.set(key(c), c);
  return [...seen.values()];
}
