/**
 * JSON documents as objects, over any ObjectStore: written from memory with preconditions,
 * read back with the generation of the very bytes read (for a later ifGenerationMatch).
 */
import { MallardError } from '../engine/errors.js';
import type { ObjectStore, PutOptions, RemoteObject } from './object-store.js';

export const ERR_GCS_BAD_JSON = 'ERR_GCS_BAD_JSON';

export function putJson(store: ObjectStore, bucket: string, name: string, value: unknown, opts: PutOptions = {}): Promise<RemoteObject> {
  return store.putBytes(bucket, name, JSON.stringify(value), { contentType: 'application/json', ...opts });
}

/** The parsed object and its description, or undefined when absent; ERR_GCS_BAD_JSON naming the object when not JSON. */
export async function readJson<T>(store: ObjectStore, bucket: string, name: string): Promise<{ value: T; object: RemoteObject } | undefined> {
  const got = await store.getBytes(bucket, name);
  if (got === undefined) return undefined;
  return { value: parseJsonObject<T>(got.data, bucket, name), object: got.object };
}

export function parseJsonObject<T>(data: Buffer | string, bucket: string, name: string): T {
  try {
    return JSON.parse(typeof data === 'string' ? data : data.toString('utf8')) as T;
  } catch (err) {
    throw new MallardError(ERR_GCS_BAD_JSON, `gs://${bucket}/${name} is not valid JSON: ${(err as Error).message}`, {
      cause: err,
      context: { bucket, object: name },
      suggestions: ['it was written by something other than mallard, or damaged: inspect it with `gcloud storage cat`, and delete it if it is wrong'],
    });
  }
}
