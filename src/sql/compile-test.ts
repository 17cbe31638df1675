/**
 * Compiling tests to queries that return the failing rows (none when the test passes):
 * generic tests from their kind and arguments (`where` narrows the model first), singular
 * tests by rendering their template like a model.
 */
import { MallardError } from '../engine/index.js';
import { sqlIdentifier, sqlString } from '../duckdb/index.js';
import { compileSelect, type ModelVars } from './compile.js';
import type { Model, ModelProject } from './project.js';
import type { SchemaTest } from './schema-file.js';

function literal(value: string | number | boolean): string {
  return sqlString(String(value));
}

function singularSql(test: Extract<SchemaTest, { kind: 'singular' }>, project: ModelProject | undefined, vars: ModelVars): string {
  if (project === undefined) throw new MallardError('ERR_USAGE', `singular test ${test.id} needs the project to compile`);
  const group = [...project.groups.values()].find((g) => g.tests.includes(test));
  const model: Model = {
    name: test.id, group: group?.name ?? '', file: test.file, displayPath: test.file, text: '', materialization: 'table',
    refs: [], sources: [], template: test.template, uniqueKey: [], columnTypes: {}, columns: [],
  };
  return `SELECT * FROM (\n${compileSelect(project, model, { vars }).select}\n)`;
}

/** A query returning the rows that make `test` fail (none when it passes). */
export function compileTest(test: SchemaTest, project?: ModelProject, vars: ModelVars = {}): string {
  if (test.kind === 'singular') return singularSql(test, project, vars);
  const m = test.where === undefined ? sqlIdentifier(test.model) : `(SELECT * FROM ${sqlIdentifier(test.model)} WHERE ${test.where})`;
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
