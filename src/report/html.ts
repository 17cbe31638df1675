/**
 * The report as one self-contained HTML page: styles, script and data inline, no network
 * access, so it opens from disk, from a GCS bucket or from the `ui` server alike. The browser
 * code lives in ./assets (plain JS and CSS, read from the source tree once per process).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { ReportData } from './model.js';

/** dist/src/report → the repository root; assets are read from src/report/assets. */
const ASSET_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'report', 'assets');
const SCRIPTS = ['core.js', 'graph.js', 'timeline.js', 'table.js', 'sections.js', 'live.js', 'runs.js', 'boot.js'];

let cache: { css: string; js: string } | undefined;

export function reportAssets(): { css: string; js: string } {
  cache ??= {
    css: fs.readFileSync(path.join(ASSET_DIR, 'report.css'), 'utf8'),
    js: SCRIPTS.map((f) => `// ${f}\n${fs.readFileSync(path.join(ASSET_DIR, f), 'utf8')}`).join('\n'),
  };
  return cache;
}

/** What the page does besides showing the data: a live view tails the run through the server. */
export interface PageOptions {
  live?: { eventsUrl: string; dataUrl: string; indexUrl: string };
}

/** JSON safe inside <script>: no `</script>`, no `<!--`, no U+2028/2029 surprises. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Data above this size is embedded gzipped (level 1: fast) and base64-encoded; the page inflates it. */
export const COMPRESS_ABOVE_BYTES = 256 * 1024;

/** The data's <script> element: plain JSON when small (readable), gzip + base64 when large. */
export function dataScript(data: unknown): string {
  const json = JSON.stringify(data);
  // Small: readable JSON, made safe inside <script>. Large: base64 needs no escaping.
  if (json.length <= COMPRESS_ABOVE_BYTES) return `<script id="report-data" type="application/json">${scriptJson(data)}</script>`;
  const packed = zlib.gzipSync(json, { level: 1 }).toString('base64');
  return `<script id="report-data" type="application/octet-stream" data-encoding="gzip-base64">${packed}</script>`;
}

export function renderReportHtml(data: ReportData, opts: PageOptions = {}): string {
  const { css, js } = reportAssets();
  const title = `mallard run ${data.run.runId}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; connect-src 'self'">
<title>${escapeHtml(title)}</title>
<style>${css}</style></head>
<body data-page="report">
<header id="top"><h1>${escapeHtml(title)}</h1><div id="run-meta"></div></header>
<nav><a href="#graph">Graph</a><a href="#timeline">Timeline</a><a href="#failures">Failures</a><a href="#tasks">Tasks</a><a href="#artifacts">Artifacts</a>${opts.live ? `<a href="${escapeHtml(opts.live.indexUrl)}">All runs</a>` : ''}<span id="live-status"></span></nav>
<main>
<section id="graph"><h2>Task families</h2><div id="graph-note" class="note"></div><div id="graph-view"></div></section>
<section id="timeline"><h2>Timeline</h2><div class="legend"><span class="sw ok"></span>ran <span class="sw retried"></span>attempt failed, retried <span class="sw failed"></span>failed <span class="sw running"></span>running; ticks above the lanes mark every retry and failure</div><div id="timeline-view"><canvas id="timeline-canvas"></canvas><div id="timeline-tip" hidden></div></div></section>
<section id="failures"><h2>Failures</h2><div id="failures-view"></div></section>
<section id="tasks"><h2>Tasks</h2><div id="table-controls"></div><div id="table-view"></div></section>
<section id="artifacts"><h2>Artifacts published</h2><div id="artifacts-view"></div></section>
</main>
<noscript>This report needs JavaScript to show its data.</noscript>
${dataScript(data)}
<script id="report-options" type="application/json">${scriptJson(opts)}</script>
<script>${js}</script>
</body></html>
`;
}
