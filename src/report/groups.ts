/** Dictionaries the report keeps small: failures grouped by code and message, and reason strings. */
import type { FailureGroup } from './model.js';
import { failureKey, failurePattern, reasonLabel } from './text.js';

/** Distinct reason strings kept in full; past this, a reason is kept as its kind only. */
const MAX_REASONS = 2000;

export class FailureGroups {
  readonly groups: FailureGroup[] = [];
  private readonly index = new Map<string, number>();

  /** Adds task `task` (its index; `id` its whole id) to its group; returns the group's index. */
  add(task: number, id: string, code: string | null, error: string): number {
    const key = failureKey(code, error, id);
    let gi = this.index.get(key);
    if (gi === undefined) {
      gi = this.groups.length;
      this.index.set(key, gi);
      this.groups.push({ code, pattern: failurePattern(error, id), count: 0, tasks: [], errors: [] });
    }
    const g = this.groups[gi] as FailureGroup;
    g.count += 1;
    g.tasks.push(task);
    g.errors.push(error);
    return gi;
  }
}

export class ReasonDict {
  readonly reasons: string[] = [];
  private readonly index = new Map<string, number>();

  /** The index of `text` (or of its kind, once the dictionary is full); -1 when there is none. */
  add(text: string | undefined): number {
    if (text === undefined) return -1;
    let key = text;
    if (!this.index.has(key) && this.reasons.length >= MAX_REASONS) key = reasonLabel(text);
    let ri = this.index.get(key);
    if (ri === undefined) {
      ri = this.reasons.length;
      this.reasons.push(key);
      this.index.set(key, ri);
    }
    return ri;
  }
}
