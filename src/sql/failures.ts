/** Errors of a build: a model DuckDB refused (with the file line), tests with failing rows. */
import { firstLine } from '../duckdb/index.js';
import { errorMessage, MallardError } from '../engine/index.js';
import type { CompiledModel } from './compile.js';
import type { SchemaTest } from './schema-file.js';

const UNCHANGED = 'the previous database is unchanged (the build was all or nothing)';

/** DuckDB's own message: the cause of a wrapped ERR_DUCKDB, else the error's message. */
function duckDbMessage(err: unknown): string {
  if (err instanceof MallardError && err.code === 'ERR_DUCKDB' && err.cause !== undefined) return errorMessage(err.cause);
  return errorMessage(err);
}

/** The model file's line DuckDB points at ("LINE 4:" of the compiled statement), if any. */
export function fileLine(message: string, headerLines = 1): number | undefined {
  const m = /LINE (\d+):/.exec(message);
  if (m === null) return undefined;
  const line = Number(m[1]) - headerLines;
  return line >= 1 ? line : undefined;
}

export function modelError(err: unknown, model: CompiledModel): MallardError {
  const message = duckDbMessage(err);
  const line = model.headerLines === undefined ? undefined : fileLine(message, model.headerLines);
  const compiledLine = /LINE (\d+):/.exec(message)?.[1];
  const where = line !== undefined ? `${model.file}:${line}` : compiledLine !== undefined ? `${model.file}, line ${compiledLine} of the compiled SQL` : model.file;
  return new MallardError('ERR_MODEL_FAILED', `model ${model.name} failed (${where}): ${firstLine(message, 500)}`, {
    cause: err,
    context: { model: model.name, file: model.file, ...(line === undefined ? {} : { line }), duckdb: message },
    suggestions: [
      UNCHANGED,
      `see the compiled SQL with: run-models --select ${model.name} --dry-run`,
      ...(model.materialization === 'incremental' && model.statements.length > 1
        ? [`it was merging into its previous table: if the model's columns changed since that build, rebuild it with run-models --select ${model.name} --full-refresh`]
        : []),
    ],
    retryable: false,
  });
}

function example(row: unknown): string {
  const text = JSON.stringify(row);
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

/** A test whose query DuckDB refused (e.g. a column that does not exist): names the test and its file. */
export function testError(err: unknown, test: SchemaTest): MallardError {
  const message = duckDbMessage(err);
  return new MallardError('ERR_MODEL_TEST', `test ${test.id} (${test.file}) could not run: ${firstLine(message, 500)}`, {
    cause: err,
    context: { test: test.id, model: test.model, file: test.file, duckdb: message },
    suggestions: [`check the test's model and column names in ${test.file}`, UNCHANGED],
    retryable: false,
  });
}

/** One line per failed test: its name, how many rows failed, a few of them. */
export function failureLine({ test, failures, examples }: { test: SchemaTest; failures: number; examples: unknown[] }): string {
  return `${test.id}: ${failures} failing row${failures === 1 ? '' : 's'}, e.g. ${examples.map(example).join(' ')}`;
}

export function testFailuresError(failed: Array<{ test: SchemaTest; failures: number; examples: unknown[] }>): MallardError {
  const lines = failed.map(failureLine);
  const head = failed.length === 1 ? `test ${lines[0]}` : `${failed.length} tests failed:\n  ${lines.join('\n  ')}`;
  return new MallardError('ERR_MODEL_TEST', `${head} (${failed[0]?.test.file})`, {
    context: { tests: failed.map((f) => ({ id: f.test.id, model: f.test.model, failures: f.failures })), file: failed[0]?.test.file },
    suggestions: [UNCHANGED],
    retryable: false,
  });
}
