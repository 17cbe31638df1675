/** Small text rules of the report: task ids, reasons by kind, failure messages generalised. */

/** `Leaf(i=3)` of family `Leaf` → `(i=3)`: the family is stored once, not per task. */
export function splitTaskId(id: string, family: string): string {
  return id.startsWith(family) && id.length > family.length ? id.slice(family.length) : id;
}

/** The whole id again from the family and the stored part. */
export function joinTaskId(family: string, stored: string): string {
  return stored.startsWith('(') ? family + stored : stored;
}

/** Why a task ran (or was skipped), by kind: the categories a person filters on. */
export function reasonLabel(reason: string): string {
  if (reason.startsWith('missing output')) return 'missing output';
  if (reason.startsWith('no receipt')) return 'no receipt';
  if (reason.startsWith('forced')) return 'forced';
  if (reason.startsWith('upstream failed')) return 'upstream failed';
  if (reason.startsWith('upstream will run') || reason.startsWith('upstream')) return 'upstream will run';
  if (reason.startsWith('output changed')) return 'output changed';
  if (reason.startsWith('task version changed')) return 'version changed';
  if (/^inputs? /.test(reason) || reason.includes('input')) return 'inputs changed';
  if (reason.startsWith('not started')) return 'not started';
  return (reason.split(':')[0] ?? reason).trim().slice(0, 60) || 'unknown';
}

/**
 * What failures of one kind share: the failing task's own id, quoted strings, URLs'
 * query strings and numbers are generalised, so `page 40 of x` and `page 80 of x` group.
 */
export function failurePattern(message: string, taskId: string): string {
  let m = message.split(taskId).join('<task>');
  m = m.replace(/https?:\/\/[^\s'"]+/g, (url) => url.replace(/\?.*$/, '?…').replace(/\d+/g, 'N'));
  m = m.replace(/\b\d+(\.\d+)?\b/g, 'N');
  return m.length > 300 ? m.slice(0, 300) + '…' : m;
}

export function failureKey(code: string | null, message: string, taskId: string): string {
  return `${code ?? ''}\u0000${failurePattern(message, taskId)}`;
}
