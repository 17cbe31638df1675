/* The `ui` start page: recent runs, and per family how long it took run after run. */
'use strict';
M.startRunsPage = function () {
  var data = JSON.parse(document.getElementById('runs-data').textContent);
  M.renderRuns(data);
  document.body.setAttribute('data-ready', 'true');
  setInterval(function () {
    if (!data.runs.some(function (r) { return r.status === 'running'; })) return;
    fetch(data.apiUrl).then(function (r) { return r.json(); }).then(function (fresh) { data = fresh; M.renderRuns(data); }, function () {});
  }, 3000);
};

M.renderRuns = function (data) {
  var list = document.getElementById('runs-view'), hist = document.getElementById('history-view');
  list.textContent = ''; hist.textContent = '';
  if (data.runs.length === 0) { list.appendChild(M.el('p', { class: 'note', text: 'No runs recorded in ' + data.runsDir + ' yet.' })); return; }
  var table = M.el('table', { class: 'plain', id: 'runs-table' }, M.el('tr', null, M.el('th', { text: 'Run' }), M.el('th', { text: 'Status' }), M.el('th', { text: 'Site' }),
    M.el('th', { text: 'Started' }), M.el('th', { class: 'num', text: 'Duration' }), M.el('th', { class: 'num', text: 'Ran' }), M.el('th', { class: 'num', text: 'Failed' }), M.el('th', { text: 'Command' })));
  data.runs.forEach(function (r) {
    var c = r.counts || {};
    table.appendChild(M.el('tr', { 'data-run': r.runId }, M.el('td', null, M.el('a', { href: r.url, class: 'mono', text: r.runId })),
      M.el('td', null, M.el('span', { class: 'badge ' + r.status, text: r.status === 'running' ? 'running or unfinished' : r.status })),
      M.el('td', { text: r.scope || 'unknown' }), M.el('td', { text: M.fmtTime(r.startedAt) }), M.el('td', { class: 'num', text: M.fmtMs(r.durationMs) }),
      M.el('td', { class: 'num', text: c.ran === undefined ? '' : M.fmtInt(c.ran) }), M.el('td', { class: 'num', text: c.failed === undefined ? '' : M.fmtInt(c.failed) }),
      M.el('td', { class: 'mono', text: r.command || '' })));
  });
  list.appendChild(table);
  var runs = data.runs.filter(function (r) { return r.families; }).slice(0, 12).reverse();
  var names = {};
  runs.forEach(function (r) { Object.keys(r.families).forEach(function (n) { names[n] = true; }); });
  var fams = Object.keys(names).sort();
  if (fams.length === 0) return;
  var max = 1;
  runs.forEach(function (r) { fams.forEach(function (n) { var v = r.families[n]; if (v && v.spanMs > max) max = v.spanMs; }); });
  var h = M.el('table', { class: 'plain hist', id: 'history-table' });
  var headRow = M.el('tr', null, M.el('th', { text: 'Family (wall time per run, oldest → newest)' }));
  runs.forEach(function (r) { headRow.appendChild(M.el('th', { class: 'num' }, M.el('a', { href: r.url, class: 'mono', text: r.runId.slice(0, 15) }))); });
  h.appendChild(headRow);
  fams.forEach(function (n) {
    var row = M.el('tr', { 'data-family': n }, M.el('td', { text: n }));
    runs.forEach(function (r) {
      var v = r.families[n], cell = M.el('td', { class: 'cell', text: v ? M.fmtMs(v.spanMs) : '' });
      if (v) {
        cell.title = M.fmtInt(v.ran) + ' ran, ' + M.fmtInt(v.failed) + ' failed; busy ' + M.fmtMs(v.busyMs);
        cell.style.background = 'rgba(59,125,221,' + (0.08 + 0.5 * v.spanMs / max).toFixed(2) + ')';
        if (v.failed > 0) cell.style.color = '#d43c3c';
      }
      row.appendChild(cell);
    });
    h.appendChild(row);
  });
  hist.appendChild(h);
};
