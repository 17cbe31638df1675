/**
 * Compiled templates kept between runs, like dbt's partial parsing: nunjucks turns each
 * template into JavaScript (lexing, parsing, code generation: most of the time it takes to
 * load a large project); that code is stored by the sha1 of the template text in one JSON file
 * (for dbt projects `<project>/<target-path>/mallard_templates.json`, beside dbt's own
 * partial_parse.msgpack). A missing, unreadable or stale file only means compiling again;
 * a cache that cannot be written is skipped.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Changes when nunjucks or the way mallard sets it up changes (entries of another key are ignored). */
const FORMAT = 'mallard-templates/1 nunjucks/3.2.4 do-ext';

export class TemplateCache {
  private readonly stored = new Map<string, string>();
  private readonly used = new Map<string, string>();
  private misses = 0;

  private constructor(readonly file: string) {}

  /** The cache in `file` (empty when the file is missing or from another version). */
  static async open(file: string): Promise<TemplateCache> {
    const cache = new TemplateCache(file);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text === undefined) return cache;
    try {
      const doc = JSON.parse(text) as { format?: string; templates?: Record<string, string> };
      if (doc.format === FORMAT) for (const [k, v] of Object.entries(doc.templates ?? {})) cache.stored.set(k, v);
    } catch {
      // A damaged cache is rebuilt.
    }
    return cache;
  }

  static key(text: string): string {
    return createHash('sha1').update(text).digest('hex');
  }

  get(key: string): string | undefined {
    const code = this.stored.get(key);
    if (code !== undefined) this.used.set(key, code);
    return code;
  }

  set(key: string, code: string): void {
    this.misses++;
    this.used.set(key, code);
  }

  /** Writes the templates used by this load (stale ones dropped), when anything changed. */
  async save(): Promise<void> {
    if (this.misses === 0 && this.used.size === this.stored.size) return;
    const temp = `${this.file}.${process.pid}.tmp`;
    try {
      await mkdir(path.dirname(this.file), { recursive: true });
      await writeFile(temp, JSON.stringify({ format: FORMAT, templates: Object.fromEntries(this.used) }));
      await rename(temp, this.file);
    } catch {
      // A read-only project still builds; it compiles every time.
    }
  }
}
