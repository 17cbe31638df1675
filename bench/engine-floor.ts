/**
 * The contract floor of bench:engine: the benchmark DAG's files made by a plain Node loop that
 * does only what the engine contract of issue 17 cannot do without, no engine around it:
 *   - an id per task, in one Map (receipts are found by task id);
 *   - a receipt journal: read and parsed whole at the start (one JSON line of columns, then one
 *     line per receipt added), written once after a cold run, appended to after the aggregate;
 *   - one stat per output, compared with its receipt's size and mtime (a changed or missing
 *     output anywhere is noticed; bare's existence check would miss a changed one);
 *   - a missing output written to a temp file and renamed into place, then stat'ed for its
 *     receipt.
 * Not done (mallard does them): the lock, the run log and its events, content hashes in
 * receipts (a restore or a move keeps them valid), the inputs' hash in each receipt (a rerun of
 * an upstream task by another command is noticed), the graph's dependents, the summary.
 * So mallard / floor is the engine's cost over its contract's minimum, and floor / bare what the
 * contract itself costs over bare file operations.
 * Usage: node dist/bench/engine-floor.js --n 5000 --out DIR
 * Prints one JSON line: {ran, complete, sum, maxRssMB, cpuSeconds}, counted like the engine's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { expectedSum, leafPath } from './engine-dag-tasks.js';

interface Journal {
  ids: string[];
  stamps: string[];
}

function writeAtomic(file: string, data: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

function stampOf(st: fs.Stats): string {
  return `${st.size}:${Math.trunc(st.mtimeMs)}`;
}

/** The receipts by task id: the columns line, then each appended line (a later one wins). */
function readJournal(file: string): Map<string, string> {
  const receipts = new Map<string, string>();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return receipts;
  }
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const row = JSON.parse(line) as Journal | { id: string; stamp: string };
    if ('ids' in row) for (let i = 0; i < row.ids.length; i += 1) receipts.set(row.ids[i] as string, row.stamps[i] as string);
    else receipts.set(row.id, row.stamp);
  }
  return receipts;
}

const { values } = parseArgs({ options: { n: { type: 'string' }, out: { type: 'string' } } });
const n = Number(values.n);
const out = path.resolve(values.out ?? 'bench-floor-out');
fs.mkdirSync(path.join(out, 'leaves'), { recursive: true });
const journalFile = path.join(out, 'receipts.jsonl');
const receipts = readJournal(journalFile);
const aggregateId = `Aggregate(n=${n})`;
const ids = new Map<string, number>();
for (let i = 0; i < n; i += 1) ids.set(`Leaf(i=${i})`, i);
ids.set(aggregateId, n);

let ran = 0;
let complete = 0;
const made: Journal = { ids: [], stamps: [] };
for (const [id, i] of ids) {
  if (i === n) continue;
  const file = leafPath(out, i);
  const st = fs.statSync(file, { throwIfNoEntry: false });
  const recorded = receipts.get(id);
  if (st !== undefined && recorded !== undefined && recorded === stampOf(st)) complete += 1;
  else {
    writeAtomic(file, `${i}\n`);
    made.ids.push(id);
    made.stamps.push(stampOf(fs.statSync(file)));
    ran += 1;
  }
}
const aggregate = path.join(out, 'aggregate.txt');
const aggregateNow = fs.statSync(aggregate, { throwIfNoEntry: false });
if (ran > 0 || aggregateNow === undefined || receipts.get(aggregateId) !== stampOf(aggregateNow)) {
  let sum = 0;
  for (let i = 0; i < n; i += 1) sum += Number(fs.readFileSync(leafPath(out, i), 'utf8'));
  writeAtomic(aggregate, `${sum}\n`);
  made.ids.push(aggregateId);
  made.stamps.push(stampOf(fs.statSync(aggregate)));
  ran += 1;
} else complete += 1;
if (made.ids.length > 1) fs.appendFileSync(journalFile, `${JSON.stringify(made)}\n`);
else if (made.ids.length === 1) fs.appendFileSync(journalFile, `${JSON.stringify({ id: made.ids[0], stamp: made.stamps[0] })}\n`);
const sum = Number(fs.readFileSync(aggregate, 'utf8'));
if (sum !== expectedSum(n)) throw new Error(`aggregate is ${sum}, expected ${expectedSum(n)}`);
const usage = process.resourceUsage();
const cpuSeconds = Number(((usage.userCPUTime + usage.systemCPUTime) / 1e6).toFixed(3));
console.log(JSON.stringify({ ran, complete, sum, maxRssMB: Math.round(usage.maxRSS / 1024), cpuSeconds }));
