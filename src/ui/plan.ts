/** What `--dry-run` prints: the tasks that would run and why, grouped by family. */
import type { RunSummary } from '../engine/index.js';
import { plural } from './format.js';

const EXAMPLES_PER_FAMILY = 5;

/** The kind of a reason, for counting: `missing output /a/b` → `missing output`. */
export function reasonKind(reason: string): string {
  if (reason.startsWith('missing output ')) return 'missing output';
  return (reason.split(':')[0] ?? reason).replace(/ \(\d+ inputs\)$/, '').trim() || 'unknown';
}

export function formatPlan(s: RunSummary): string {
  const groups = s.groups.filter((g) => g.outcome === 'would-run');
  const complete = s.counts.alreadyComplete > 0 ? `, ${s.counts.alreadyComplete} already complete` : '';
  if (groups.length === 0) return `Dry run ${s.runId}: nothing would run${complete}: everything asked for is complete.`;
  const lines = [`Dry run ${s.runId}: ${plural(s.counts.wouldRun, 'task')} would run${complete} (nothing was run).`];
  for (const g of groups) {
    lines.push(`${g.family} (${g.count}): ${g.tasks}`);
    const listed = s.plan.filter((p) => p.family === g.family);
    if (listed.length > 1) {
      const kinds = new Map<string, number>();
      for (const p of listed) kinds.set(reasonKind(p.message), (kinds.get(reasonKind(p.message)) ?? 0) + 1);
      const why = [...kinds].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`);
      lines.push(`  why: ${why.join(', ')}${listed.length < g.count ? ` (of the ${listed.length} listed)` : ''}`);
    }
    for (const p of listed.slice(0, EXAMPLES_PER_FAMILY)) lines.push(`  ${p.id}: ${p.message}`);
    const rest = g.count - Math.min(listed.length, EXAMPLES_PER_FAMILY);
    if (rest > 0) lines.push(`  ... and ${rest} more`);
  }
  if (s.plan.length < s.counts.wouldRun) lines.push(`(reasons are listed for the first ${s.plan.length} tasks; the run log has the rest as task_pending events)`);
  return lines.join('\n');
}
