/**
 * Parsing one model file: its `{{ ref('x') }}` and `{{ source('db', 'table') }}` calls (with
 * the line each is on), its materialization header, and the body split into literal text and
 * template calls so that compiling is a plain substitution that keeps every line in place.
 */
import { MallardError } from '../engine/errors.js';

export type Materialization = 'table' | 'view';

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

/** `{{ var('name') }}`: a value given by the run (e.g. the portal's URL), compiled to a SQL string. */
export interface VarCall {
  kind: 'var';
  name: string;
  line: number;
}

export type TemplateCall = RefCall | SourceCall | VarCall;

/** The body as literal text and calls, in order; `newlines` keeps the lines a call spanned. */
export type Segment = { text: string } | { call: TemplateCall; newlines: number };

export interface ParsedModel {
  materialization: Materialization;
  refs: RefCall[];
  sources: SourceCall[];
  vars: VarCall[];
  segments: Segment[];
}

const TAG = /\{\{([\s\S]*?)\}\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER = /^\s*--\s*materiali[sz]ed\s*[:=]\s*['"]?(\w+)['"]?\s*$/i;
const CONFIG_CALL = /^\s*config\s*\(\s*materiali[sz]ed\s*=\s*['"](\w+)['"]\s*\)\s*$/;
const CALL = /^\s*(ref|source|var)\s*\(([^)]*)\)\s*$/;

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function parseError(file: string, line: number, message: string, suggestions: string[] = []): MallardError {
  return new MallardError('ERR_MODEL_PARSE', `${file}:${line}: ${message}`, { context: { file, line }, suggestions });
}

/** `'a', "b"` → ['a', 'b']; undefined when the arguments are not plain string literals. */
function stringArgs(args: string): string[] | undefined {
  const parts = args.split(',').map((a) => a.trim());
  const values: string[] = [];
  for (const part of parts) {
    const m = /^(['"])(.*)\1$/.exec(part);
    if (m === null) return undefined;
    values.push(m[2] as string);
  }
  return values;
}

function materializationOf(value: string, file: string, line: number): Materialization {
  const v = value.toLowerCase();
  if (v === 'table' || v === 'view') return v;
  throw parseError(file, line, `unknown materialization '${value}'`, ["use 'table' (the default) or 'view'"]);
}

/** The materialization set by a `-- materialized: view` line among the leading comment lines. */
function headerMaterialization(text: string, file: string): Materialization | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    if (!line.trimStart().startsWith('--')) return undefined;
    const m = HEADER.exec(line);
    if (m !== null) return materializationOf(m[1] as string, file, i + 1);
  }
  return undefined;
}

function parseCall(inner: string, file: string, line: number): TemplateCall {
  const m = CALL.exec(inner);
  const args = m === null ? undefined : stringArgs(m[2] as string);
  if (m === null || args === undefined) {
    throw parseError(file, line, `cannot read the template '{{${inner}}}'`, [
      "models may use {{ ref('model') }}, {{ source('db', 'table') }}, {{ var('name') }} and {{ config(materialized='view') }}",
    ]);
  }
  const bad = args.find((a) => !NAME.test(a));
  if (bad !== undefined) throw parseError(file, line, `'${bad}' is not a valid name (letters, digits, underscores)`);
  if (m[1] === 'ref' || m[1] === 'var') {
    if (args.length !== 1) throw parseError(file, line, `${m[1]}() takes one name, got ${args.length} arguments`);
    return { kind: m[1], name: args[0] as string, line };
  }
  if (args.length !== 2) throw parseError(file, line, `source() takes a source name and a table name, got ${args.length} arguments`);
  return { kind: 'source', db: args[0] as string, table: args[1] as string, line };
}

/** Parses a model's SQL text. `file` is used in error messages only. */
export function parseModel(text: string, file: string): ParsedModel {
  const segments: Segment[] = [];
  const refs: RefCall[] = [];
  const sources: SourceCall[] = [];
  const vars: VarCall[] = [];
  let materialization = headerMaterialization(text, file);
  let last = 0;
  for (const match of text.matchAll(TAG)) {
    const index = match.index;
    const inner = match[1] as string;
    const line = lineAt(text, index);
    segments.push({ text: text.slice(last, index) });
    last = index + match[0].length;
    const newlines = (match[0].match(/\n/g) ?? []).length;
    const config = CONFIG_CALL.exec(inner);
    if (config !== null) {
      materialization = materializationOf(config[1] as string, file, line);
      segments.push({ text: '\n'.repeat(newlines) });
      continue;
    }
    const call = parseCall(inner, file, line);
    if (call.kind === 'ref') refs.push(call);
    else if (call.kind === 'var') vars.push(call);
    else sources.push(call);
    segments.push({ call, newlines });
  }
  segments.push({ text: text.slice(last) });
  const open = text.slice(last).indexOf('{{');
  if (open >= 0) throw parseError(file, lineAt(text, last + open), "'{{' without a closing '}}'");
  return { materialization: materialization ?? 'table', refs, sources, vars, segments };
}
