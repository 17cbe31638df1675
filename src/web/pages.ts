/** The HTML of the `ui` start page (runs list and family history); run pages are reports in live mode. */
import { escapeHtml, reportAssets, scriptJson } from '../report/index.js';
import type { RunListEntry } from './history.js';

export function renderRunsPage(data: { runs: RunListEntry[]; runsDir: string; apiUrl: string }): string {
  const { css, js } = reportAssets();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'">
<title>mallard runs</title><style>${css}</style></head>
<body data-page="runs">
<header><h1>mallard runs</h1><div class="note">${escapeHtml(data.runsDir)}</div></header>
<main>
<section id="runs"><h2>Recent runs</h2><div id="runs-view"></div></section>
<section id="history"><h2>How long each family took, run after run</h2><div id="history-view"></div></section>
</main>
<script id="runs-data" type="application/json">${scriptJson(data)}</script>
<script>${js}</script>
</body></html>
`;
}
