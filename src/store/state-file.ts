/**
 * The one reader of the JSON files mallard writes and reads back (crawl.json, page
 * metadata, repository records, stage manifests, artifact manifests): read, JSON.parse,
 * validate with a zod schema. A file that is not what it should be is a MallardError
 * naming the file, where it is wrong, and what to do, never a TypeError deep in a task.
 */
import fs from 'node:fs';
import type { z } from 'zod';
import { MallardError, errorMessage } from '../engine/errors.js';

export const ERR_STATE_FILE = 'ERR_STATE_FILE';

export interface StateFileSpec<T> {
  /** What the file is, for messages: "the crawl manifest". */
  what: string;
  schema: z.ZodType<T>;
  /** What the user can do about a bad one: "delete it and rerun download-datasets-info". */
  remedy: string;
  /** The error code (default ERR_STATE_FILE). */
  code?: string;
}

/** The file's content, validated; undefined when the file does not exist. */
export function readStateFileSync<T>(file: string, spec: StateFileSpec<T>): T | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(file, spec, err);
  }
  return parseStateFile(file, text, spec);
}

/** Like readStateFileSync, but a missing file is an error too. */
export function requireStateFileSync<T>(file: string, spec: StateFileSpec<T>): T {
  const value = readStateFileSync(file, spec);
  if (value === undefined) {
    throw new MallardError(spec.code ?? ERR_STATE_FILE, `${capitalize(spec.what)} ${file} is missing`, { context: { file }, suggestions: [spec.remedy] });
  }
  return value;
}

/** The async twin of requireStateFileSync. */
export async function readStateFile<T>(file: string, spec: StateFileSpec<T>): Promise<T> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    throw unreadable(file, spec, err);
  }
  return parseStateFile(file, text, spec);
}

/** Parses and validates `text`, the content of `file`. */
export function parseStateFile<T>(file: string, text: string, spec: StateFileSpec<T>): T {
  const code = spec.code ?? ERR_STATE_FILE;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new MallardError(code, `${capitalize(spec.what)} ${file} is not valid JSON: ${errorMessage(err)}`, {
      cause: err,
      context: { file },
      suggestions: [spec.remedy],
    });
  }
  const parsed = spec.schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.map(String).join('.')}` : '';
  throw new MallardError(code, `${capitalize(spec.what)} ${file} is malformed${where}: ${issue?.message ?? 'invalid'}`, {
    context: { file, ...(where ? { path: issue?.path.map(String).join('.') } : {}) },
    suggestions: [spec.remedy],
  });
}

function unreadable(file: string, spec: StateFileSpec<unknown>, err: unknown): MallardError {
  return new MallardError(spec.code ?? ERR_STATE_FILE, `Cannot read ${spec.what} ${file}: ${errorMessage(err)}`, {
    cause: err,
    context: { file },
    suggestions: [spec.remedy],
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
