/**
 * Folds a run log's events, one at a time, into the report's data: tasks (columnar), attempt
 * segments, family counts, failure groups, retries. Tolerant: unknown event types and missing
 * fields are ignored or counted as unknown, never thrown on.
 */
import { SEGMENT, STATE, type FailureGroup, type FamilyCounts, type ReportRun, type ReportSegments, type ReportTasks } from './model.js';
import { FailureGroups, ReasonDict } from './groups.js';
import { splitTaskId } from './text.js';

type Ev = Record<string, unknown> & { type: string };

const MAX_WARNINGS = 500;

export interface GraphEvent {
  families: Record<string, { tasks?: number }>;
  edges: Array<{ from: string; to: string; count?: number }>;
}

interface FamilyAcc {
  name: string;
  counts: FamilyCounts;
  busyMs: number;
  firstStart: number | null;
  lastEnd: number | null;
  retries: number;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export class ReportBuilder {
  readonly run: ReportRun;
  readonly tasks: ReportTasks = { id: [], family: [], state: [], start: [], end: [], duration: [], attempts: [], reason: [], failure: [] };
  readonly segments: ReportSegments = { task: [], start: [], end: [], kind: [], lane: [] };
  private readonly reasonDict = new ReasonDict();
  private readonly failureGroups = new FailureGroups();
  readonly reasons: string[] = this.reasonDict.reasons;
  readonly failures: FailureGroup[] = this.failureGroups.groups;
  readonly warnings: Array<{ id: string; message: string }> = [];
  readonly retries = { total: 0, byLayer: {} as Record<string, number>, byCode: {} as Record<string, number> };
  graph: GraphEvent | undefined;
  private readonly accs: FamilyAcc[] = [];
  private readonly familyIndex = new Map<string, number>();
  private readonly familyNames: string[] = [];
  private readonly taskIndex = new Map<string, number>();
  /** Task index → its open segment's index. */
  private readonly open = new Map<number, number>();
  private planned: Record<string, { toRun?: number; complete?: number }> = {};
  private t0: number | undefined;
  private lastAt: number | undefined;
  private sawStart = false;

  constructor(runId: string) {
    this.run = {
      runId, scope: null, command: null, roots: [], workers: null, dryRun: false, status: 'running',
      startedAt: null, endedAt: null, durationMs: null, counts: null, badLines: 0, truncated: false, unknown: [],
    };
  }

  take(e: Ev): void {
    const at = num(e.at);
    if (at !== undefined) {
      this.t0 ??= at;
      this.lastAt = at;
    }
    switch (e.type) {
      case 'run_started': return this.started(e, at);
      case 'tasks_planned': return this.plannedEvent(e);
      case 'graph': return this.graphEvent(e);
      case 'run_finished': return this.finished(e, at);
      default:
        if (e.type.startsWith('task_')) this.taskEvent(e, at);
    }
  }

  private started(e: Ev, at: number | undefined): void {
    this.sawStart = true;
    if (at !== undefined) {
      this.t0 = at;
      this.run.startedAt = at;
    }
    this.run.scope = str(e.scope) ?? null;
    this.run.command = str(e.command) ?? null;
    this.run.roots = Array.isArray(e.roots) ? e.roots.filter((r): r is string => typeof r === 'string') : [];
    this.run.workers = num(e.workers) ?? null;
    this.run.dryRun = e.dryRun === true;
  }

  private plannedEvent(e: Ev): void {
    const by = e.byFamily;
    if (by === null || typeof by !== 'object') return;
    // Each tasks_planned counts the whole graph so far: the last one wins.
    for (const [family, v] of Object.entries(by as Record<string, { toRun?: unknown; complete?: unknown }>)) {
      const p = (this.planned[family] ??= {});
      p.toRun = num(v?.toRun) ?? p.toRun;
      p.complete = num(v?.complete) ?? p.complete;
      this.family(family);
    }
  }

  private graphEvent(e: Ev): void {
    const families = e.families !== null && typeof e.families === 'object' ? (e.families as GraphEvent['families']) : {};
    const edges = Array.isArray(e.edges) ? (e.edges as GraphEvent['edges']).filter((x) => typeof x?.from === 'string' && typeof x?.to === 'string') : [];
    this.graph = { families, edges };
    for (const f of Object.keys(families)) this.family(f);
  }

  private finished(e: Ev, at: number | undefined): void {
    const s = (e.summary ?? {}) as Record<string, unknown>;
    const status = str(s.status);
    this.run.status = status === 'success' || status === 'failed' || status === 'interrupted' || status === 'dry-run' ? status : 'unknown';
    if (status === undefined) this.run.unknown.push('status');
    this.run.endedAt = num(s.finishedAt) ?? at ?? null;
    this.run.durationMs = num(s.durationMs) ?? null;
    const counts = s.counts;
    if (counts !== null && typeof counts === 'object') this.run.counts = counts as Record<string, number>;
    if (Array.isArray(s.warnings)) for (const w of s.warnings) this.warn(str(w?.id) ?? 'unknown', str(w?.message) ?? '');
    if (this.run.workers === null) this.run.workers = num(s.workers) ?? null;
  }

  private warn(id: string, message: string): void {
    if (this.warnings.length >= MAX_WARNINGS) return;
    if (this.warnings.some((w) => w.id === id && w.message === message)) return;
    this.warnings.push({ id, message });
  }

  family(name: string): number {
    let i = this.familyIndex.get(name);
    if (i === undefined) {
      i = this.familyNames.length;
      this.familyIndex.set(name, i);
      this.familyNames.push(name);
      this.accs.push({ name, counts: { pending: 0, running: 0, retrying: 0, done: 0, failed: 0, skipped: 0, complete: 0 }, busyMs: 0, firstStart: null, lastEnd: null, retries: 0 });
    }
    return i;
  }

  private lastId = '';
  private lastIndex = -1;

  private task(e: Ev): number | undefined {
    const id = str(e.id);
    if (id === undefined) return undefined;
    // The events of one task often come one after another (started, done).
    if (id === this.lastId) return this.lastIndex;
    let i = this.taskIndex.get(id);
    if (i !== undefined) {
      this.lastId = id;
      this.lastIndex = i;
      return i;
    }
    const family = str(e.family) ?? (/^([^(]+)\(/.exec(id)?.[1] ?? 'unknown');
    const fi = this.family(family);
    i = this.tasks.id.length;
    this.taskIndex.set(id, i);
    const t = this.tasks;
    t.id.push(splitTaskId(id, family));
    t.family.push(fi);
    t.state.push(STATE.pending);
    t.start.push(-1);
    t.end.push(-1);
    t.duration.push(-1);
    t.attempts.push(0);
    t.reason.push(-1);
    t.failure.push(-1);
    this.acc(fi).counts.pending += 1;
    this.lastId = id;
    this.lastIndex = i;
    return i;
  }

  private acc(fi: number): FamilyAcc {
    return this.accs[fi] as FamilyAcc;
  }

  private setState(i: number, state: number): void {
    const t = this.tasks;
    const counts = (this.accs[t.family[i] as number] as FamilyAcc).counts;
    counts[STATE_KEYS[t.state[i] as number] as keyof FamilyCounts] -= 1;
    counts[STATE_KEYS[state] as keyof FamilyCounts] += 1;
    t.state[i] = state;
  }

  private rel(at: number | undefined): number {
    return at === undefined || this.t0 === undefined ? 0 : Math.max(0, Math.round(at - this.t0));
  }

  private taskEvent(e: Ev, at: number | undefined): void {
    const i = this.task(e);
    if (i === undefined) return;
    const t = this.tasks;
    switch (e.type) {
      case 'task_pending':
        t.reason[i] = this.reason(str(e.reason));
        return;
      case 'task_started': {
        const start = this.rel(at);
        t.attempts[i] = num(e.attempt) ?? (t.attempts[i] as number) + 1;
        if (t.start[i] === -1) t.start[i] = start;
        this.openSegment(i, start);
        this.setState(i, STATE.running);
        return;
      }
      case 'task_done':
        this.closeSegment(i, this.rel(at), SEGMENT.ok);
        if (num(e.attempt) !== undefined) t.attempts[i] = e.attempt as number;
        this.setState(i, STATE.done);
        return;
      case 'task_retry':
        this.closeSegment(i, this.rel(at), SEGMENT.retried);
        this.retried(i, e);
        this.setState(i, STATE.retrying);
        return;
      case 'task_failed':
        this.closeSegment(i, this.rel(at), SEGMENT.failed);
        if (num(e.attempt) !== undefined) t.attempts[i] = e.attempt as number;
        this.failed(i, e);
        this.setState(i, STATE.failed);
        return;
      case 'task_skipped':
        t.reason[i] = this.reason(str(e.reason));
        this.setState(i, STATE.skipped);
        return;
      case 'task_warning':
        this.warn(str(e.id) ?? 'unknown', str(e.message) ?? '');
    }
  }

  private openSegment(i: number, start: number): void {
    const s = this.segments;
    this.open.set(i, s.task.length);
    s.task.push(i);
    s.start.push(start);
    s.end.push(-1);
    s.kind.push(SEGMENT.running);
    s.lane.push(0);
  }

  private closeSegment(i: number, end: number, kind: number): void {
    const t = this.tasks;
    const si = this.open.get(i);
    t.end[i] = end;
    if (si === undefined) return;
    this.open.delete(i);
    const s = this.segments;
    s.end[si] = Math.max(end, s.start[si] as number);
    s.kind[si] = kind;
    const took = (s.end[si] as number) - (s.start[si] as number);
    t.duration[i] = Math.max(0, t.duration[i] as number) + took;
    const f = this.acc(t.family[i] as number);
    f.busyMs += took;
    f.firstStart = f.firstStart === null ? (s.start[si] as number) : Math.min(f.firstStart, s.start[si] as number);
    f.lastEnd = Math.max(f.lastEnd ?? 0, s.end[si] as number);
  }

  private retried(i: number, e: Ev): void {
    this.retries.total += 1;
    const layer = str(e.layer) ?? 'unknown';
    this.retries.byLayer[layer] = (this.retries.byLayer[layer] ?? 0) + 1;
    const code = str(e.code) ?? 'no code';
    this.retries.byCode[code] = (this.retries.byCode[code] ?? 0) + 1;
    this.acc(this.tasks.family[i] as number).retries += 1;
  }

  private failed(i: number, e: Ev): void {
    if (this.tasks.failure[i] !== -1) return;
    this.tasks.failure[i] = this.failureGroups.add(i, str(e.id) ?? 'unknown', str(e.code) ?? null, str(e.error) ?? 'unknown error');
  }

  private reason(text: string | undefined): number {
    return this.reasonDict.add(text);
  }

  /** The run's fields and the families, with the end of a run that has no run_finished filled in. */
  finish(): { run: ReportRun; families: FamilyAcc[]; planned: Record<string, { toRun?: number; complete?: number }>; familyNames: string[] } {
    const end = this.rel(this.run.endedAt ?? this.lastAt);
    for (const [, si] of this.open) this.segments.end[si] = Math.max(end, this.segments.start[si] as number);
    if (!this.sawStart) this.run.unknown.push('run_started');
    if (this.run.startedAt === null) this.run.startedAt = this.t0 ?? null;
    if (this.run.endedAt === null) this.run.endedAt = this.lastAt ?? null;
    if (this.run.durationMs === null && this.run.startedAt !== null && this.run.endedAt !== null) this.run.durationMs = this.run.endedAt - this.run.startedAt;
    for (const [name, p] of Object.entries(this.planned)) {
      const f = this.accs[this.familyIndex.get(name) as number];
      if (f !== undefined) f.counts.complete = p.complete ?? 0;
    }
    return { run: this.run, families: this.accs, planned: this.planned, familyNames: this.familyNames };
  }
}

const STATE_KEYS = ['pending', 'running', 'retrying', 'done', 'failed', 'skipped'] as const;
