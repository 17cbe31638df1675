/** Plain-text renderings shared by the `artifacts` commands: sizes, ages, tables, trees. */
import type { LineageNode } from '../../src/store/index.js';

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatAge(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 48) return `${Math.floor(hours)}h`;
  return `${Math.floor(hours / 24)}d`;
}

/** `3 tables, 1,204 rows` from a manifest's table counts. */
export function summarizeTables(tables: Record<string, number>): string {
  const names = Object.keys(tables);
  const rows = Object.values(tables).reduce((a, b) => a + b, 0);
  return `${names.length} ${names.length === 1 ? 'table' : 'tables'}, ${rows.toLocaleString('en-US')} rows`;
}

/** Left-aligned columns separated by two spaces, with a header row. */
export function renderTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(headers), ...rows.map(line)].join('\n');
}

function nodeLabel(node: LineageNode): string {
  const status = node.status === 'ok' ? '' : `  [${node.status}${node.detail ? `: ${node.detail}` : ''}]`;
  return `${node.path}${status}`;
}

/** What a raw input's line adds to its path: a folder's file count and size, a file's sha256 when recorded. */
function rawDetail(r: LineageNode['rawInputs'][number]): string {
  if (r.files !== undefined) return ` (${r.files.toLocaleString('en-US')} files${r.bytes === undefined ? '' : `, ${formatBytes(r.bytes)}`})`;
  return r.sha256 ? ` (sha256 ${r.sha256.slice(0, 12)})` : '';
}

/** The lineage tree with box-drawing branches; raw inputs are listed as `raw: <path>` (a folder of many with their count). */
export function renderLineage(root: LineageNode): string {
  const lines = [nodeLabel(root)];
  const walk = (node: LineageNode, prefix: string): void => {
    const children: Array<{ label: string; node?: LineageNode }> = [
      ...node.inputs.map((n) => ({ label: nodeLabel(n), node: n })),
      ...node.rawInputs.map((r) => ({ label: `raw: ${r.path}${rawDetail(r)}` })),
    ];
    children.forEach((child, i) => {
      const last = i === children.length - 1;
      lines.push(`${prefix}${last ? '└── ' : '├── '}${child.label}`);
      if (child.node) walk(child.node, prefix + (last ? '    ' : '│   '));
    });
  };
  walk(root, '');
  return lines.join('\n');
}
