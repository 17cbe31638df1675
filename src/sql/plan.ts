/** What `run-models --dry-run` prints: per database, the sources attached and each model's SQL in build order. */
import { compileModel, type ModelVars } from './compile.js';
import { compileTest } from './compile-test.js';
import { selectedTests } from './build.js';
import type { Materialization } from './parse.js';
import { getModel, type ModelProject } from './project.js';
import type { GroupSelection } from './select.js';

export interface PlannedModel {
  name: string;
  file: string;
  materialization: Materialization;
  sql: string;
}

export interface PlannedBuild {
  database: string;
  group: string;
  /** Starts from a copy of the previous database (not every model of the group is selected). */
  partial: boolean;
  /** Source name → path of the artifact it reads, or undefined when none is published. */
  sources: Record<string, string | undefined>;
  models: PlannedModel[];
  tests: Array<{ id: string; severity: 'error' | 'warn'; sql: string }>;
}

export function planBuild(project: ModelProject, selection: GroupSelection, sourcePaths: Readonly<Record<string, string | undefined>>, vars: ModelVars = {}): PlannedBuild {
  const models = selection.models.map((n) => {
    const c = compileModel(project, getModel(project, n), { vars });
    return { name: c.name, file: c.file, materialization: c.materialization, sql: c.sql };
  });
  const used = new Set(selection.models.flatMap((n) => project.models.get(n)?.sources.map((s) => s.db) ?? []));
  const sources = Object.fromEntries([...used].sort().map((s) => [s, sourcePaths[s]]));
  const tests = selectedTests({ selection }).map((t) => ({ id: t.id, severity: t.severity, sql: compileTest(t, project, vars) }));
  return { database: selection.group.database, group: selection.group.name, partial: !selection.complete, sources, models, tests };
}

/** The plan as SQL text: comments say where each statement comes from. */
export function formatBuildPlan(plan: PlannedBuild): string {
  const lines = [`-- database ${plan.database} (group ${plan.group})${plan.partial ? ': starts from a copy of the previous build' : ''}`];
  for (const [name, file] of Object.entries(plan.sources)) {
    lines.push(file === undefined ? `-- source ${name}: not published yet (made first: see what would run above)` : `ATTACH '${file}' AS ${name} (READ_ONLY);`);
  }
  plan.models.forEach((m, i) => lines.push('', `-- ${i + 1}/${plan.models.length} ${m.name} (${m.materialization}) from ${m.file}`, `${m.sql};`));
  if (plan.tests.length > 0) lines.push('', `-- ${plan.tests.length} tests (each must return no rows)`);
  for (const t of plan.tests) lines.push(`-- ${t.id}${t.severity === 'warn' ? ' (severity warn)' : ''}`, `${t.sql};`);
  return lines.join('\n');
}
