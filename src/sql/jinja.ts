/**
 * The one template language of every model group: Jinja through nunjucks (a maintained
 * JavaScript implementation), set up the way dbt sets up Jinja2: no autoescape, undefined
 * values are errors, `{% do %}`, macros from macro files callable from anywhere without an
 * import, and dbt's `{{ return(value) }}` inside a macro. What a name means (ref, source,
 * var, this, ...) is given per render by a `RenderScope` (see render.ts).
 */
import { createRequire } from 'node:module';
import nunjucks from 'nunjucks';
import { MallardError } from '../engine/errors.js';
import { TemplateCache } from './template-cache.js';

/** nunjucks' code generator (not in its types): template text → the JavaScript of its render functions. */
const compiler = createRequire(import.meta.url)('nunjucks/src/compiler.js') as {
  compile(src: string, asyncFilters: unknown, extensions: unknown, name: string, opts: unknown): string;
};

nunjucks.installJinjaCompat();

/** The names a template sees; set for each render. */
export type RenderScope = Readonly<Record<string, unknown>>;

/** A template compiled once and rendered many times. */
export interface CompiledTemplate {
  file: string;
  template: nunjucks.Template;
}

/**
 * nunjucks re-wraps what a function called by a template throws and loses the original, so
 * the last error thrown from inside a render is kept here to be recognised by its message.
 */
let pending: Error | undefined;

/** Thrown by a scope's functions (ref, var, ...): becomes ERR_MODEL_PARSE with the template's file and line. */
export class TemplateCallError extends Error {
  constructor(message: string, readonly suggestions: string[] = []) {
    super(message);
    pending = this;
  }
}

/** The part of nunjucks' Template that runs a template for its exported macros (not in its types). */
interface Exporting {
  getExported(ctx: object, frame: null, cb: (err: Error | null, exported: unknown) => void): void;
}

interface ReturnSlot {
  set: boolean;
  value: unknown;
}

const MACRO_BLOCK = /\{%-?\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\([\s\S]*?\{%-?\s*endmacro\s*-?%\}/g;

function doExtension(): nunjucks.Extension {
  return {
    tags: ['do'],
    parse(parser: any, nodes: any) {
      const tok = parser.nextToken();
      const args = new nodes.NodeList(tok.lineno, tok.colno);
      args.addChild(parser.parseExpression());
      parser.advanceAfterBlockEnd(tok.value);
      return new nodes.CallExtension(this, 'run', args);
    },
    run: () => '',
  } as nunjucks.Extension & { run: () => string };
}

/** `(models/x.sql) [Line 3, Column 5]\n  message` → file, line, message. */
function templateErrorParts(err: Error): { file?: string; line?: number; message: string } {
  const m = /^\((.*?)\)(?: \[Line (\d+), Column \d+\])?\s*\n?\s*([\s\S]*)$/.exec(err.message);
  if (m === null) return { message: err.message };
  const message = (m[3] as string).replace(/^Error: /, '').trim();
  return { file: m[1] as string, ...(m[2] === undefined ? {} : { line: Number(m[2]) }), message };
}

/** A nunjucks error as ERR_MODEL_PARSE naming the file and line. */
export function templateError(err: unknown, file: string): MallardError {
  if (err instanceof MallardError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const known = pending !== undefined && e.message.includes(pending.message) ? pending : undefined;
  if (known instanceof MallardError) return known;
  const parts = templateErrorParts(e);
  // nunjucks counts lines from 0 for errors thrown by functions a template calls ("Error: ..."), from 1 otherwise.
  if (parts.line !== undefined && /^\(.*?\) \[Line \d+, Column \d+\]\s*\w*Error: /.test(e.message)) parts.line += 1;
  const where = `${parts.file ?? file}${parts.line === undefined ? '' : `:${parts.line}`}`;
  const call = known instanceof TemplateCallError ? known : undefined;
  const message = call !== undefined ? call.message : parts.message.replace('attempted to output null or undefined value', 'a value printed with {{ }} is undefined');
  return new MallardError('ERR_MODEL_PARSE', `${where}: ${message}`, {
    cause: e,
    context: { file: parts.file ?? file, ...(parts.line === undefined ? {} : { line: parts.line }) },
    suggestions: call !== undefined ? call.suggestions : ["models are Jinja templates (dbt's dialect): check the tag on that line"],
  });
}

/** The line of the first `{{`, `{%` or `{#` that has no closing counterpart. */
function unclosedTagLine(text: string): number | undefined {
  for (const m of text.matchAll(/\{([{%#])/g)) {
    const close = { '{': '}}', '%': '%}', '#': '#}' }[m[1] as '{' | '%' | '#'];
    const end = text.indexOf(close, m.index + 2);
    const next = text.slice(m.index + 2, end < 0 ? undefined : end).search(/\{[{%#]/);
    if (end < 0 || next >= 0) return lineOf(text, m.index);
  }
  return unclosedBlockLine(text);
}

function lineOf(text: string, index: number): number {
  return (text.slice(0, index).match(/\n/g) ?? []).length + 1;
}

const BLOCK_TAGS = new Set(['if', 'for', 'macro', 'call', 'filter', 'block', 'raw']);

/** The line of the innermost `{% if %}`, `{% for %}`... that has no `{% end... %}`. */
function unclosedBlockLine(text: string): number | undefined {
  const open: number[] = [];
  for (const m of text.matchAll(/\{%-?\s*(\w+)([^%]*)%\}/g)) {
    const tag = m[1] as string;
    if (BLOCK_TAGS.has(tag) || (tag === 'set' && !(m[2] as string).includes('='))) open.push(m.index);
    else if (tag.startsWith('end')) open.pop();
  }
  const last = open[open.length - 1];
  return last === undefined ? undefined : lineOf(text, last);
}

/**
 * One Jinja environment per model group: its macros are globals of every template of the
 * group, and `render` sets the scope (ref, source, var, this, ...) for the duration of a render.
 */
export class JinjaEnv {
  private readonly env: nunjucks.Environment;
  private scope: RenderScope = {};
  private readonly slots: ReturnSlot[] = [];
  private readonly macroNames = new Set<string>();
  /** Compiled templates kept between runs (dbt projects); compile() fills it. */
  cache: TemplateCache | undefined;

  constructor() {
    this.env = new nunjucks.Environment([], { autoescape: false, throwOnUndefined: true });
    this.env.addExtension('do', doExtension());
    this.env.addFilter('tojson', (v: unknown) => JSON.stringify(v));
    this.env.addFilter('as_text', (v: unknown) => String(v));
    this.env.addFilter('as_bool', (v: unknown) => v === true || String(v).toLowerCase() === 'true');
    this.env.addFilter('as_number', (v: unknown) => Number(v));
    this.env.addFilter('as_native', (v: unknown) => v);
    (this.env as unknown as { addTest(n: string, f: (v: unknown) => boolean): void }).addTest('none', (v: unknown) => v === null || v === undefined);
    this.env.addGlobal('return', (value: unknown) => {
      const slot = this.slots[this.slots.length - 1];
      if (slot === undefined) throw new TemplateCallError('return() is only allowed inside a macro');
      slot.set = true;
      slot.value = value;
      return '';
    });
    this.env.addGlobal('namespace', (...args: unknown[]) => keywordArgs(args));
    this.env.addGlobal('log', () => '');
    this.env.addGlobal('exceptions', {
      raise_compiler_error: (message: unknown) => {
        throw new TemplateCallError(`compilation error: ${String(message)}`);
      },
      warn: () => '',
    });
    for (const name of ['ref', 'source', 'var', 'config', 'is_incremental', 'this', 'target', 'doc', 'execute', 'adapter', 'env_var', 'model']) {
      Object.defineProperty((this.env as unknown as { globals: object }).globals, name, { get: () => this.lookup(name), enumerable: true, configurable: true });
    }
  }

  private lookup(name: string): unknown {
    if (name in this.scope) return this.scope[name];
    if (name === 'adapter') return this.adapter();
    return undefined;
  }

  /** `adapter.dispatch('m')` → duckdb__m, default__m or m; `adapter.quote(x)`. */
  private adapter(): Record<string, unknown> {
    return {
      dispatch: (name: string) => {
        for (const candidate of [`duckdb__${name}`, `default__${name}`, name]) {
          if (this.macroNames.has(candidate)) return this.env.getGlobal(candidate);
        }
        throw new TemplateCallError(`adapter.dispatch('${name}'): no macro duckdb__${name}, default__${name} or ${name}`);
      },
      quote: (id: string) => `"${String(id).replace(/"/g, '""')}"`,
    };
  }

  /** Compiles a template; syntax errors are ERR_MODEL_PARSE with the file and line. */
  compile(text: string, file: string): CompiledTemplate {
    const code = this.cache === undefined ? undefined : this.generate(text, file, this.cache);
    if (code !== undefined) {
      const props = new Function(code)() as object;
      return { file, template: new nunjucks.Template({ type: 'code', obj: props } as never, this.env, file, true) };
    }
    try {
      return { file, template: new nunjucks.Template(text, this.env, file, true) };
    } catch (err) {
      const e = templateError(err, file);
      const line = e.context['line'] === undefined ? unclosedTagLine(text) : undefined;
      if (line === undefined) throw e;
      throw new MallardError('ERR_MODEL_PARSE', `${file}:${line}: ${e.message.slice(file.length + 2)} (a tag opened here is not closed)`, { cause: e, context: { file, line } });
    }
  }

  /** The template's generated code, from the cache or made now (undefined on a syntax error: compile() reports it). */
  private generate(text: string, file: string, cache: TemplateCache): string | undefined {
    const key = TemplateCache.key(text);
    const cached = cache.get(key);
    if (cached !== undefined) return cached;
    const e = this.env as unknown as { asyncFilters: unknown; extensionsList: unknown; opts: unknown };
    try {
      const code = compiler.compile(text, e.asyncFilters, e.extensionsList, file, e.opts);
      cache.set(key, code);
      return code;
    } catch {
      return undefined;
    }
  }

  /** Renders `t` with `scope`. */
  render(t: CompiledTemplate, scope: RenderScope): string {
    const previous = this.scope;
    this.scope = scope;
    try {
      return t.template.render({});
    } catch (err) {
      const converted = templateError(err, t.file);
      pending = converted;
      throw converted;
    } finally {
      this.scope = previous;
    }
  }

  /**
   * Makes every `{% macro %}` of a macro file a global. Each macro is compiled on its own
   * (blank lines keep its line numbers), so that calls between macros go through the global,
   * where `return()` is caught.
   */
  addMacros(text: string, file: string): string[] {
    const names: string[] = [];
    for (const match of text.matchAll(MACRO_BLOCK)) {
      const name = match[1] as string;
      const padding = '\n'.repeat((text.slice(0, match.index).match(/\n/g) ?? []).length);
      const compiled = this.compile(padding + match[0], file);
      let exported: Record<string, unknown> = {};
      (compiled.template as unknown as Exporting).getExported({}, null, (err: Error | null, e: unknown) => {
        if (err !== null) throw templateError(err, file);
        exported = e as Record<string, unknown>;
      });
      const macro = exported[name] as (...args: unknown[]) => unknown;
      this.env.addGlobal(name, (...args: unknown[]) => this.callMacro(macro, args));
      this.macroNames.add(name);
      names.push(name);
    }
    return names;
  }

  private callMacro(macro: (...args: unknown[]) => unknown, args: unknown[]): unknown {
    const slot: ReturnSlot = { set: false, value: undefined };
    this.slots.push(slot);
    try {
      const out = macro(...args);
      return slot.set ? slot.value : out;
    } finally {
      this.slots.pop();
    }
  }
}

/** Keyword arguments of a call from a template (`config(materialized='view')`), without nunjucks' marker. */
export function keywordArgs(args: readonly unknown[]): Record<string, unknown> {
  const last = args[args.length - 1];
  if (last === null || typeof last !== 'object' || !('__keywords' in last)) return {};
  const { __keywords: _, ...rest } = last as Record<string, unknown>;
  return rest;
}

/** Positional arguments of a call from a template (keyword object removed). */
export function positionalArgs(args: readonly unknown[]): unknown[] {
  const last = args[args.length - 1];
  return last !== null && typeof last === 'object' && '__keywords' in last ? args.slice(0, -1) : [...args];
}
