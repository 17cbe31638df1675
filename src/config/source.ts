/**
 * Reading a config file's text into plain data, keeping enough of the syntax tree to say on
 * which line a key path sits. YAML and JSON both go through the `yaml` package's document
 * model (JSON is YAML's flow syntax); JSON is also checked with JSON.parse, so YAML-only
 * syntax in a .json file is an error.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';

export type ConfigFormat = 'yaml' | 'json';

/** A position-aware syntax problem (line and column are 1-based). */
export interface SyntaxProblem {
  line?: number;
  column?: number;
  message: string;
}

export interface ParsedSource {
  /** The plain data, or undefined when there were syntax problems. */
  data: unknown;
  syntaxProblems: SyntaxProblem[];
  /** The 1-based line of a key path, or of its deepest ancestor present in the file. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

export function formatOf(file: string): ConfigFormat | undefined {
  if (/\.ya?ml$/i.test(file)) return 'yaml';
  if (/\.json$/i.test(file)) return 'json';
  return undefined;
}

export function parseSource(text: string, format: ConfigFormat): ParsedSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    const offset = offsetOf(doc, path);
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  const yamlProblems: SyntaxProblem[] = doc.errors.map((e) => ({
    line: e.linePos?.[0].line,
    column: e.linePos?.[0].col,
    message: firstLine(e.message),
  }));
  if (format === 'json') {
    const jsonProblem = checkJson(text, yamlProblems[0]);
    if (jsonProblem) return { data: undefined, syntaxProblems: [jsonProblem], lineOf };
  }
  if (yamlProblems.length > 0) return { data: undefined, syntaxProblems: yamlProblems, lineOf };
  try {
    return { data: doc.toJS({ maxAliasCount: 1000 }), syntaxProblems: [], lineOf };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { data: undefined, syntaxProblems: [{ message: firstLine(message) }], lineOf };
  }
}

/** "Map keys must be unique at line 4, column 3:" → "Map keys must be unique". */
function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '');
}

function checkJson(text: string, fallback: SyntaxProblem | undefined): SyntaxProblem | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err);
    // Node's message may quote a piece of the file: drop it (it might hold a secret).
    const message = raw.replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
    const lc = /\(line (\d+) column (\d+)\)/.exec(raw);
    if (lc) return { line: Number(lc[1]), column: Number(lc[2]), message };
    const offset = /at position (\d+)/.exec(raw)?.[1] ?? jsonErrorOffset(text);
    if (offset !== undefined) return { ...positionIn(text, Number(offset)), message };
    if (fallback?.line !== undefined) return { line: fallback.line, column: fallback.column, message };
    return { message: message === '' ? 'invalid JSON' : message };
  }
}

/**
 * Where JSON.parse gave up, when its message does not say: the shortest failing prefix.
 * Every shorter prefix only fails for ending early, so the search is a bisection.
 */
function jsonErrorOffset(text: string): number | undefined {
  const failsInside = (length: number): boolean => {
    try {
      JSON.parse(text.slice(0, length));
      return false;
    } catch (err) {
      const m = err instanceof Error ? err.message : '';
      const at = /at position (\d+)/.exec(m);
      return !/end of JSON input/.test(m) && !(at && Number(at[1]) >= length);
    }
  };
  if (!failsInside(text.length)) return undefined;
  let lo = 1;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (failsInside(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo - 1;
}

function positionIn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** Offset of the key at the end of `path` (or of the deepest ancestor found). */
function offsetOf(doc: Document, path: readonly PropertyKey[]): number | undefined {
  let node: unknown = doc.contents;
  if (path.length === 0) return rangeStart(node);
  // A missing top-level key has no line of its own (the whole file lacks it).
  let found: number | undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) return found;
      found = rangeStart(pair.key) ?? found;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      found = rangeStart(node) ?? found;
    } else {
      return found;
    }
  }
  return found;
}

function rangeStart(node: unknown): number | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as { range?: [number, number, number] | null }).range;
    return range ? range[0] : undefined;
  }
  return undefined;
}
