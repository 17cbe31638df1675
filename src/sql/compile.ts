/**
 * Compiling models and tests to the SQL DuckDB runs. A ref becomes the model's table in the
 * build database (`"name"`), a source the table of the attached source artifact
 * (`"ckan_api"."datasets"`). Line numbers are kept: line N of the model file is line N + 1
 * of the compiled statement (the CREATE line comes first).
 */
import { MallardError } from '../engine/index.js';
import { sqlIdentifier, sqlString } from '../duckdb/index.js';
import type { TemplateCall, VarCall } from './parse.js';
import type { Model } from './project.js';
import type { SchemaTest } from './schema-file.js';

export interface CompiledModel {
  name: string;
  file: string;
  materialization: 'table' | 'view';
  /** The model's SELECT with refs and sources substituted. */
  select: string;
  /** The statement that builds it: `CREATE TABLE "name" AS` + newline + select. */
  sql: string;
}

/** Lines the CREATE header adds before line 1 of the model file. */
export const HEADER_LINES = 1;

/** Values for `{{ var('name') }}` (strings, compiled as SQL string literals). */
export type ModelVars = Readonly<Record<string, string>>;

function varValue(model: Model, call: VarCall, vars: ModelVars): string {
  const value = vars[call.name];
  if (value !== undefined) return sqlString(value);
  const known = Object.keys(vars).sort();
  throw new MallardError('ERR_MODEL_PARSE', `${model.displayPath}:${call.line}: var('${call.name}') has no value`, {
    context: { file: model.displayPath, line: call.line, model: model.name },
    suggestions: [known.length > 0 ? `vars of this run: ${known.join(', ')}` : 'this run gives no vars'],
  });
}

function callSql(model: Model, call: TemplateCall, vars: ModelVars): string {
  switch (call.kind) {
    case 'ref':
      return sqlIdentifier(call.name);
    case 'source':
      return `${sqlIdentifier(call.db)}.${sqlIdentifier(call.table)}`;
    case 'var':
      return varValue(model, call, vars);
  }
}

/** The model's SELECT: template calls substituted, trailing semicolons removed. */
export function compileSelect(model: Model, vars: ModelVars = {}): string {
  const parts = model.segments.map((s) => ('text' in s ? s.text : callSql(model, s.call, vars) + '\n'.repeat(s.newlines)));
  return parts.join('').replace(/[\s;]+$/, '');
}

export function compileModel(model: Model, vars: ModelVars = {}): CompiledModel {
  const first = model.sources[0];
  if (model.materialization === 'view' && first !== undefined) {
    throw new MallardError('ERR_MODEL_PARSE', `${model.displayPath}:${first.line}: a view cannot read source('${first.db}', '${first.table}')`, {
      context: { file: model.displayPath, line: first.line, model: model.name },
      suggestions: ['sources are attached only while the database builds, so the view would break afterwards: materialize the model as a table'],
    });
  }
  const select = compileSelect(model, vars);
  const kind = model.materialization === 'view' ? 'VIEW' : 'TABLE';
  return { name: model.name, file: model.displayPath, materialization: model.materialization, select, sql: `CREATE ${kind} ${sqlIdentifier(model.name)} AS\n${select}` };
}

function literal(value: string | number | boolean): string {
  return sqlString(String(value));
}

/** A query returning the rows that make `test` fail (none when it passes). */
export function compileTest(test: SchemaTest): string {
  const m = sqlIdentifier(test.model);
  switch (test.kind) {
    case 'not_null':
      return `SELECT * FROM ${m} WHERE ${sqlIdentifier(test.column)} IS NULL`;
    case 'unique': {
      const c = sqlIdentifier(test.column);
      return `SELECT ${c} AS value, count(*) AS occurrences FROM ${m} WHERE ${c} IS NOT NULL GROUP BY ${c} HAVING count(*) > 1`;
    }
    case 'accepted_values': {
      const c = sqlIdentifier(test.column);
      return `SELECT ${c} AS value, count(*) AS occurrences FROM ${m} WHERE ${c} IS NOT NULL AND CAST(${c} AS VARCHAR) NOT IN (${test.values.map(literal).join(', ')}) GROUP BY ${c}`;
    }
    case 'relationships': {
      const c = sqlIdentifier(test.column);
      const f = sqlIdentifier(test.field);
      return `SELECT child.${c} AS value FROM ${m} AS child WHERE child.${c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${sqlIdentifier(test.to)} AS parent WHERE parent.${f} = child.${c})`;
    }
    case 'row_count': {
      const conds = [
        ...(test.min === undefined ? [] : [`n < ${test.min}`]),
        ...(test.max === undefined ? [] : [`n > ${test.max}`]),
        ...(test.equal === undefined ? [] : [`n <> ${test.equal}`]),
      ];
      return `SELECT n AS row_count FROM (SELECT count(*) AS n FROM ${m}) WHERE ${conds.join(' OR ')}`;
    }
  }
}
