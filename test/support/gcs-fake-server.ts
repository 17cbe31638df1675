/**
 * A faithful GCS server for tests: a loopback HTTP server speaking the subset of the Cloud
 * Storage JSON API that @google-cloud/storage uses for mallard's operations, with GCS's
 * generations and preconditions (which the Firebase emulator ignores). One server, many
 * clients: shard processes point the real client at it with STORAGE_EMULATOR_HOST=<host>
 * (or `apiEndpoint: host`), and every conditional write is checked and applied in one
 * synchronous step after its body arrived, so two racing create-only writes of one object
 * cannot both win.
 *
 *   const gcs = await startGcsFakeServer({ buckets: ['b'] });
 *   new Storage({ apiEndpoint: gcs.host, projectId: 'test' });  // or env STORAGE_EMULATOR_HOST=gcs.host
 *   await gcs.stop();
 *
 * Keep the server in the test's own process and start client processes with the async
 * `spawn`/`execFile` (never spawnSync: the server must keep answering while they run).
 *
 * Served (JSON API v1, paths with or without `/storage/v1`): buckets get; objects list
 * (prefix, delimiter, maxResults ≤ 1000, pageToken, startOffset), get (metadata, or the
 * media with `alt=media`: x-goog-hash, x-goog-generation), delete, rewrite/copy; uploads
 * `uploadType=multipart|media|resumable` (the session PUT with Content-Range, status queries
 * `bytes * /N`, 308 with Range). Preconditions `ifGenerationMatch` (0 = absent),
 * `ifGenerationNotMatch`, `ifSourceGenerationMatch`; `generation` to read one generation.
 * Objects live in memory; each write gets a new, larger generation. md5Hash and crc32c are
 * computed; a multipart upload whose metadata (or a PUT whose X-Goog-Hash) names another
 * checksum is refused with 400, as GCS does. Not served: ACLs, versioning, compose,
 * notifications, XML API, signed URLs, metagenerations (always 1).
 */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

export interface FakeObject {
  data: Buffer;
  generation: number;
  contentType: string;
  metadata?: Record<string, string>;
  timeCreated: string;
}

export interface FakeRequest {
  method: string;
  /** The operation: list, get, media, delete, insert, resumable-start, resumable-put, rewrite, bucket. */
  op: string;
  bucket?: string;
  object?: string;
  query: Record<string, string>;
  status: number;
}

export interface GcsFakeServer {
  /** `http://127.0.0.1:PORT`: the `apiEndpoint` option, or the value of STORAGE_EMULATOR_HOST. */
  readonly host: string;
  readonly port: number;
  /** Every request answered, in order (tests count listings, downloads, conditional writes). */
  readonly requests: FakeRequest[];
  addBucket(name: string): void;
  /** The live object, or undefined (tests may replace `data` to corrupt it: its checksums follow the new bytes). */
  object(bucket: string, name: string): FakeObject | undefined;
  /** Writes an object directly, as another client would (a new generation). */
  putObject(bucket: string, name: string, data: string | Buffer, metadata?: Record<string, string>): FakeObject;
  names(bucket: string, prefix?: string): string[];
  stop(): Promise<void>;
}

interface Session {
  bucket: string;
  name: string;
  contentType: string;
  metadata?: Record<string, string>;
  conditions: Conditions;
  chunks: Buffer[];
  received: number;
  done?: FakeObject;
}

interface Conditions {
  ifGenerationMatch?: number;
  ifGenerationNotMatch?: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

const MAX_PAGE = 1000;

export async function startGcsFakeServer(opts: { buckets?: string[] } = {}): Promise<GcsFakeServer> {
  const state = new FakeGcs();
  for (const b of opts.buckets ?? []) state.buckets.set(b, new Map());
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => state.handle(req, Buffer.concat(chunks), res, host));
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const host = `http://127.0.0.1:${port}`;
  return {
    host,
    port,
    requests: state.requests,
    addBucket: (name) => void (state.buckets.has(name) || state.buckets.set(name, new Map())),
    object: (bucket, name) => state.buckets.get(bucket)?.get(name),
    putObject: (bucket, name, data, metadata) => state.store(bucket, name, Buffer.from(data), 'application/octet-stream', metadata),
    names: (bucket, prefix = '') => [...(state.buckets.get(bucket)?.keys() ?? [])].filter((n) => n.startsWith(prefix)).sort(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

class FakeGcs {
  readonly buckets = new Map<string, Map<string, FakeObject>>();
  readonly requests: FakeRequest[] = [];
  private readonly sessions = new Map<string, Session>();
  private lastGeneration = Date.now() * 1000;

  handle(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, host: string): void {
    const url = new URL(req.url ?? '/', host);
    const query = Object.fromEntries(url.searchParams);
    const record: FakeRequest = { method: req.method ?? 'GET', op: 'unknown', query, status: 0 };
    const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      this.requests.push(record);
      const bytes = payload === undefined ? Buffer.alloc(0) : Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
      const type = Buffer.isBuffer(payload) ? {} : { 'content-type': 'application/json; charset=UTF-8' };
      res.writeHead(status, { ...type, 'content-length': String(bytes.length), ...headers });
      res.end(bytes);
    };
    try {
      this.route(req.method ?? 'GET', url, query, req.headers, body, record, reply, host);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, String(err), 'backendError');
      reply(e.status, { error: { code: e.status, message: e.message, errors: [{ message: e.message, domain: 'global', reason: e.reason }] } });
    }
  }

  private route(
    method: string,
    url: URL,
    query: Record<string, string>,
    headers: http.IncomingHttpHeaders,
    body: Buffer,
    record: FakeRequest,
    reply: (status: number, payload?: unknown, headers?: Record<string, string>) => void,
    host: string,
  ): void {
    const segments = url.pathname.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
    const upload = segments[0] === 'upload';
    let rest = upload || segments[0] === 'download' ? segments.slice(1) : segments;
    if (rest[0] === 'storage' && rest[1] === 'v1') rest = rest.slice(2);
    if (rest[0] !== 'b' || rest[1] === undefined) throw new HttpError(404, `Not Found: ${url.pathname}`, 'notFound');
    const bucket = (record.bucket = rest[1]);
    if (upload) return this.upload(method, bucket, query, headers, body, record, reply, host);
    if (rest.length === 2 && method === 'GET') {
      record.op = 'bucket';
      this.bucketOf(bucket);
      return reply(200, { kind: 'storage#bucket', id: bucket, name: bucket, location: 'US', storageClass: 'STANDARD' });
    }
    if (rest[2] !== 'o') throw new HttpError(404, `Not Found: ${url.pathname}`, 'notFound');
    if (rest.length === 3 && method === 'GET') {
      record.op = 'list';
      return reply(200, this.list(bucket, query, host));
    }
    const name = (record.object = rest[3]!);
    if (rest.length === 8 && method === 'POST' && (rest[4] === 'rewriteTo' || rest[4] === 'copyTo') && rest[5] === 'b' && rest[7] === 'o') {
      throw new HttpError(400, 'Object name of the destination is missing', 'invalid');
    }
    if (rest.length === 9 && method === 'POST' && (rest[4] === 'rewriteTo' || rest[4] === 'copyTo') && rest[5] === 'b' && rest[7] === 'o') {
      record.op = 'rewrite';
      const copied = this.rewrite(bucket, name, rest[6]!, rest[8]!, query);
      const resource = this.resource(rest[6]!, rest[8]!, copied, host);
      if (rest[4] === 'copyTo') return reply(200, resource);
      return reply(200, { kind: 'storage#rewriteResponse', totalBytesRewritten: String(copied.data.length), objectSize: String(copied.data.length), done: true, resource });
    }
    if (rest.length !== 4) throw new HttpError(404, `Not Found: ${url.pathname}`, 'notFound');
    if (method === 'GET') {
      const obj = this.read(bucket, name, query);
      if (query.alt !== 'media') {
        record.op = 'get';
        return reply(200, this.resource(bucket, name, obj, host));
      }
      record.op = 'media';
      return reply(200, obj.data, {
        'content-type': obj.contentType,
        'x-goog-hash': `crc32c=${crc32cOf(obj.data)},md5=${md5Of(obj.data)}`,
        'x-goog-generation': String(obj.generation),
        'x-goog-metageneration': '1',
        'x-goog-stored-content-length': String(obj.data.length),
        etag: etagOf(obj),
      });
    }
    if (method === 'DELETE') {
      record.op = 'delete';
      const objects = this.bucketOf(bucket);
      const live = objects.get(name);
      if (live === undefined) throw notFound(bucket, name);
      checkConditions(live, conditionsOf(query));
      objects.delete(name);
      return reply(204);
    }
    throw new HttpError(405, `Method ${method} not allowed on ${url.pathname}`, 'methodNotAllowed');
  }

  private bucketOf(bucket: string): Map<string, FakeObject> {
    const b = this.buckets.get(bucket);
    if (b === undefined) throw new HttpError(404, 'The specified bucket does not exist.', 'notFound');
    return b;
  }

  private nextGeneration(): number {
    this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000);
    return this.lastGeneration;
  }

  /** The one place an object is written: conditions checked and the write done in one synchronous step. */
  store(bucket: string, name: string, data: Buffer, contentType: string, metadata?: Record<string, string>, conditions: Conditions = {}): FakeObject {
    const objects = this.bucketOf(bucket);
    checkConditions(objects.get(name), conditions);
    const obj: FakeObject = { data, generation: this.nextGeneration(), contentType, timeCreated: new Date().toISOString(), ...(metadata ? { metadata } : {}) };
    objects.set(name, obj);
    return obj;
  }

  private read(bucket: string, name: string, query: Record<string, string>): FakeObject {
    const obj = this.bucketOf(bucket).get(name);
    if (obj === undefined || (query.generation !== undefined && Number(query.generation) !== obj.generation)) throw notFound(bucket, name);
    checkConditions(obj, conditionsOf(query), true);
    return obj;
  }

  private list(bucket: string, query: Record<string, string>, host: string): unknown {
    const prefix = query.prefix ?? '';
    const delimiter = query.delimiter;
    const max = Math.min(MAX_PAGE, Math.max(1, Number(query.maxResults ?? MAX_PAGE) || MAX_PAGE));
    const after = query.pageToken === undefined ? undefined : Buffer.from(query.pageToken, 'base64url').toString('utf8');
    const names = [...this.bucketOf(bucket).keys()]
      .filter((n) => n.startsWith(prefix) && (after === undefined || n > after) && (query.startOffset === undefined || n >= query.startOffset))
      .sort();
    const items: unknown[] = [];
    const prefixes = new Set<string>();
    let last: string | undefined;
    for (const n of names) {
      if (items.length + prefixes.size >= max) break;
      last = n;
      const cut = delimiter ? n.indexOf(delimiter, prefix.length) : -1;
      if (cut >= 0) prefixes.add(n.slice(0, cut + delimiter!.length));
      else items.push(this.resource(bucket, n, this.bucketOf(bucket).get(n)!, host));
    }
    const more = last !== undefined && names[names.length - 1] !== last;
    return {
      kind: 'storage#objects',
      ...(items.length > 0 ? { items } : {}),
      ...(prefixes.size > 0 ? { prefixes: [...prefixes] } : {}),
      ...(more ? { nextPageToken: Buffer.from(last!, 'utf8').toString('base64url') } : {}),
    };
  }

  private rewrite(srcBucket: string, srcName: string, dstBucket: string, dstName: string, query: Record<string, string>): FakeObject {
    const src = this.bucketOf(srcBucket).get(srcName);
    if (src === undefined) throw notFound(srcBucket, srcName);
    if (query.ifSourceGenerationMatch !== undefined && Number(query.ifSourceGenerationMatch) !== src.generation) throw preconditionFailed();
    return this.store(dstBucket, dstName, src.data, src.contentType, src.metadata, conditionsOf(query));
  }

  private upload(
    method: string,
    bucket: string,
    query: Record<string, string>,
    headers: http.IncomingHttpHeaders,
    body: Buffer,
    record: FakeRequest,
    reply: (status: number, payload?: unknown, headers?: Record<string, string>) => void,
    host: string,
  ): void {
    this.bucketOf(bucket);
    if (method === 'POST' && query.uploadType === 'multipart') {
      record.op = 'insert';
      const { metadata, media, mediaType } = parseMultipart(headers['content-type'] ?? '', body);
      const name = (record.object = String(metadata.name ?? query.name ?? ''));
      if (name === '') throw new HttpError(400, 'Required: object name', 'required');
      checkDeclaredHashes(media, metadata);
      const obj = this.store(bucket, name, media, String(metadata.contentType ?? mediaType), stringMap(metadata.metadata), conditionsOf(query));
      return reply(200, this.resource(bucket, name, obj, host));
    }
    if (method === 'POST' && query.uploadType === 'media') {
      record.op = 'insert';
      const name = (record.object = query.name ?? '');
      if (name === '') throw new HttpError(400, 'Required: object name', 'required');
      const obj = this.store(bucket, name, body, headers['content-type'] ?? 'application/octet-stream', undefined, conditionsOf(query));
      return reply(200, this.resource(bucket, name, obj, host));
    }
    if (method === 'POST' && query.uploadType === 'resumable') {
      record.op = 'resumable-start';
      const metadata = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
      const name = (record.object = String(metadata.name ?? query.name ?? ''));
      if (name === '') throw new HttpError(400, 'Required: object name', 'required');
      const conditions = conditionsOf(query);
      checkConditions(this.bucketOf(bucket).get(name), conditions); // early, as GCS does; checked again at the end
      const id = randomUUID();
      const contentType = String(metadata.contentType ?? headers['x-upload-content-type'] ?? 'application/octet-stream');
      this.sessions.set(id, { bucket, name, contentType, metadata: stringMap(metadata.metadata), conditions, chunks: [], received: 0 });
      const location = `${host}/upload/storage/v1/b/${encodeURIComponent(bucket)}/o?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${id}`;
      return reply(200, undefined, { location });
    }
    if (method === 'PUT' && query.upload_id !== undefined) {
      record.op = 'resumable-put';
      const session = this.sessions.get(query.upload_id);
      if (session === undefined) throw new HttpError(404, 'No such upload session', 'notFound');
      record.object = session.name;
      return this.resumablePut(session, headers, body, reply, host);
    }
    throw new HttpError(400, `Unsupported upload: ${method} uploadType=${query.uploadType}`, 'invalid');
  }

  private resumablePut(
    session: Session,
    headers: http.IncomingHttpHeaders,
    body: Buffer,
    reply: (status: number, payload?: unknown, headers?: Record<string, string>) => void,
    host: string,
  ): void {
    if (session.done) return reply(200, this.resource(session.bucket, session.name, session.done, host));
    const range = /^bytes (\*|(\d+)-(\d+|\*))\/(\d+|\*)$/.exec(String(headers['content-range'] ?? `bytes 0-*/${body.length}`).trim());
    if (range === null) throw new HttpError(400, `Bad Content-Range: ${headers['content-range']}`, 'invalid');
    // `bytes a-*/*` (the library's one-request mode when the size is not declared): this body ends the upload.
    const total = range[4] !== '*' ? Number(range[4]) : range[3] === '*' ? Number(range[2]) + body.length : undefined;
    if (range[1] !== '*') {
      const start = Number(range[2]);
      if (start > session.received) throw new HttpError(400, `Content-Range starts at ${start}, ${session.received} bytes received`, 'invalid');
      const fresh = body.subarray(session.received - start);
      session.chunks.push(fresh);
      session.received += fresh.length;
    }
    if (total === undefined || session.received < total) {
      return reply(308, undefined, session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {});
    }
    const data = Buffer.concat(session.chunks);
    if (data.length !== total) throw new HttpError(400, `Upload of ${data.length} bytes, declared ${total}`, 'invalid');
    checkHashHeader(data, headers['x-goog-hash']);
    const obj = this.store(session.bucket, session.name, data, session.contentType, session.metadata, session.conditions);
    session.done = obj;
    return reply(200, this.resource(session.bucket, session.name, obj, host));
  }

  private resource(bucket: string, name: string, obj: FakeObject, host: string): Record<string, unknown> {
    const enc = encodeURIComponent(name);
    return {
      kind: 'storage#object',
      id: `${bucket}/${name}/${obj.generation}`,
      selfLink: `${host}/storage/v1/b/${bucket}/o/${enc}`,
      mediaLink: `${host}/download/storage/v1/b/${bucket}/o/${enc}?generation=${obj.generation}&alt=media`,
      name,
      bucket,
      generation: String(obj.generation),
      metageneration: '1',
      contentType: obj.contentType,
      storageClass: 'STANDARD',
      size: String(obj.data.length),
      md5Hash: md5Of(obj.data),
      crc32c: crc32cOf(obj.data),
      etag: etagOf(obj),
      timeCreated: obj.timeCreated,
      updated: obj.timeCreated,
      ...(obj.metadata ? { metadata: obj.metadata } : {}),
    };
  }
}

function conditionsOf(query: Record<string, string>): Conditions {
  const num = (v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new HttpError(400, `Invalid precondition value ${v}`, 'invalid');
    return Number(v);
  };
  return { ifGenerationMatch: num(query.ifGenerationMatch), ifGenerationNotMatch: num(query.ifGenerationNotMatch) };
}

/** GCS's rule: a failed condition is 412, except ifGenerationNotMatch on a read, which is 304. */
function checkConditions(live: FakeObject | undefined, c: Conditions, read = false): void {
  const generation = live?.generation ?? 0;
  if (c.ifGenerationMatch !== undefined && generation !== c.ifGenerationMatch) throw preconditionFailed();
  if (c.ifGenerationNotMatch !== undefined && generation === c.ifGenerationNotMatch) {
    throw read ? new HttpError(304, 'Not Modified', 'notModified') : preconditionFailed();
  }
}

function preconditionFailed(): HttpError {
  return new HttpError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');
}

function notFound(bucket: string, name: string): HttpError {
  return new HttpError(404, `No such object: ${bucket}/${name}`, 'notFound');
}

function md5Of(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

function crc32cOf(data: Buffer): string {
  const crc = new CRC32C();
  crc.update(data);
  return crc.toString();
}

function etagOf(obj: FakeObject): string {
  return Buffer.from(String(obj.generation)).toString('base64');
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => [k, String(v)]));
}

function checkDeclaredHashes(data: Buffer, metadata: Record<string, unknown>): void {
  if (metadata.md5Hash !== undefined && metadata.md5Hash !== md5Of(data)) throw new HttpError(400, 'Provided MD5 hash does not match the calculated MD5 hash', 'invalid');
  if (metadata.crc32c !== undefined && metadata.crc32c !== crc32cOf(data)) throw new HttpError(400, 'Provided CRC32C does not match the calculated CRC32C', 'invalid');
}

function checkHashHeader(data: Buffer, header: string | string[] | undefined): void {
  if (header === undefined) return;
  for (const part of String(header).split(',')) {
    const [kind, value] = part.trim().split(/=(.*)/s) as [string, string];
    if (kind === 'md5' && value !== md5Of(data)) throw new HttpError(400, 'Provided MD5 hash does not match the calculated MD5 hash', 'invalid');
    if (kind === 'crc32c' && value !== crc32cOf(data)) throw new HttpError(400, 'Provided CRC32C does not match the calculated CRC32C', 'invalid');
  }
}

/** A `multipart/related` body of two parts: the JSON metadata, then the media. */
function parseMultipart(contentType: string, body: Buffer): { metadata: Record<string, unknown>; media: Buffer; mediaType: string } {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary === undefined) throw new HttpError(400, 'Multipart upload without a boundary', 'invalid');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    parts.push(body.subarray(start + 2, next - 2)); // after the CRLF, before the CRLF preceding the next delimiter
    at = next;
  }
  if (parts.length !== 2) throw new HttpError(400, `Multipart upload with ${parts.length} parts (expected 2)`, 'invalid');
  const split = (part: Buffer): { headers: string; content: Buffer } => {
    const end = part.indexOf('\r\n\r\n');
    return { headers: part.subarray(0, end).toString('utf8'), content: part.subarray(end + 4) };
  };
  const meta = split(parts[0]!);
  const media = split(parts[1]!);
  const mediaType = /content-type:\s*([^\r\n]+)/i.exec(media.headers)?.[1]?.trim() ?? 'application/octet-stream';
  return { metadata: JSON.parse(meta.content.toString('utf8')) as Record<string, unknown>, media: media.content, mediaType };
}
