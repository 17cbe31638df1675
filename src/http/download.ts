/**
 * Streaming a response body to a file: the body goes, chunk by chunk (optionally through a
 * transform), to a temp file beside the destination (the engine's withAtomicPath: named by
 * partialPathFor, fsynced, renamed into place) only when everything succeeded. The whole body is never held in memory, a failed try
 * leaves nothing behind, and retryable failures are tried again.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { withAtomicPath } from '../engine/atomic-file.js';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { buildUrl, headerSecrets, type HttpClient, type RequestOptions } from './client.js';
import { statusError } from './errors.js';

/** A stage a download's body passes through on its way to the file, built afresh for each try. */
export interface DownloadStage<T> {
  transform: Transform;
  /** Called once the file is written, before the rename: checks what went through and says what it was. Throwing discards the file. */
  finish(): T | Promise<T>;
}

/** What is known of a response when its stage is built. */
export interface ResponseInfo {
  status: number;
  contentType: string | undefined;
  headers: Record<string, string | string[] | undefined>;
}

export interface DownloadOptions<T> extends RequestOptions {
  /** Builds the stage for one try, once the response's status (2xx) and headers are known. */
  through?: (response: ResponseInfo) => DownloadStage<T>;
  /** Bytes of an error response's body kept for the error's context. Default 4 096. */
  errorBodyBytes?: number;
}

export interface DownloadResult<T> {
  path: string;
  /** Bytes received (after decompression). */
  bytesReceived: number;
  /** Bytes written to the file. */
  bytesWritten: number;
  status: number;
  contentType: string | undefined;
  attempts: number;
  /** What the stage's finish() returned; undefined without a stage. */
  value: T;
}

/** Counts the bytes flowing through. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null, data?: Buffer) => void): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/** Up to `limit` bytes of a stream, as text; read errors end the read quietly. */
export async function readSnippet(stream: Readable, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      chunks.push(buf);
      size += buf.length;
      if (size >= limit) break;
    }
  } catch {
    // what arrived is enough for a message
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

interface GotResponseLike {
  statusCode: number;
  statusMessage?: string;
  headers: Record<string, string | string[] | undefined>;
}

/** GET `url` and stream its body to `destPath` atomically, retrying per the client's policy. */
export async function downloadToFile<T = undefined>(
  client: HttpClient,
  url: string,
  destPath: string,
  opts: DownloadOptions<T> = {},
): Promise<DownloadResult<T>> {
  const full = buildUrl(url, opts.searchParams);
  const extraSecrets = headerSecrets(opts.headers);
  await mkdir(path.dirname(destPath), { recursive: true });
  const runOpts = opts.onRetry ? { extraSecrets, onRetry: opts.onRetry } : { extraSecrets };
  return client.run(full, (attempt) => downloadOnce(client, full, destPath, opts, attempt, extraSecrets), runOpts);
}

async function downloadOnce<T>(
  client: HttpClient,
  url: string,
  destPath: string,
  opts: DownloadOptions<T>,
  attempt: number,
  extraSecrets: string[],
): Promise<DownloadResult<T>> {
  const got = await client.got();
  const request = got.stream(url, { headers: opts.headers });
  try {
    const response = await new Promise<GotResponseLike>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', reject);
    });
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const body = await readSnippet(request, opts.errorBodyBytes ?? 4096);
      throw statusError(client.context(url, 'GET', extraSecrets), response, body);
    }
    const rawType = response.headers['content-type'];
    const contentType = Array.isArray(rawType) ? rawType[0] : rawType;
    const stage = opts.through?.({ status: response.statusCode, contentType, headers: response.headers });
    const received = new ByteCounter();
    const written = new ByteCounter();
    const value = await withAtomicPath(destPath, async (tmp) => {
      const out = createWriteStream(tmp, { flags: 'wx' });
      if (stage) await pipeline(request, received, stage.transform, written, out);
      else await pipeline(request, received, written, out);
      return (stage ? await stage.finish() : undefined) as T;
    });
    return {
      path: destPath,
      bytesReceived: received.bytes,
      bytesWritten: written.bytes,
      status: response.statusCode,
      contentType,
      attempts: attempt,
      value,
    };
  } catch (err) {
    request.destroy();
    throw err;
  }
}
