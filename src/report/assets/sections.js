/* Failures grouped by code and message, and the artifacts the run published with their lineage. */
'use strict';
M.renderFailures = function () {
  var d = M.data, view = document.getElementById('failures-view');
  view.textContent = '';
  if (d.failures.length === 0) {
    view.appendChild(M.el('p', { class: 'note', text: 'No task failed' + (d.retries.total > 0 ? ' (' + M.fmtInt(d.retries.total) + ' attempts failed and were retried).' : '.') }));
  }
  var groups = d.failures.map(function (g, i) { return { g: g, i: i }; }).sort(function (a, b) { return b.g.count - a.g.count; });
  groups.forEach(function (x) {
    var g = x.g, items = M.el('div', { class: 'items' });
    var det = M.el('details', { class: 'group', 'data-code': g.code || '' },
      M.el('summary', null, M.el('span', { class: 'code', text: g.code || 'no code' }), ' ', M.el('span', { class: 'pattern', text: g.pattern }),
        M.el('span', { class: 'count', text: M.fmtInt(g.count) + (g.count === 1 ? ' task' : ' tasks') })), items);
    var shown = 0;
    function more() {
      var end = Math.min(g.tasks.length, shown + 200);
      for (; shown < end; shown++) {
        items.appendChild(M.el('div', { class: 'item' }, M.el('div', { class: 'tid', text: M.fullId(g.tasks[shown]) }), M.el('pre', { text: g.errors[shown] })));
      }
      var old = items.querySelector('button.more');
      if (old) old.remove();
      if (shown < g.tasks.length) items.appendChild(M.el('button', { class: 'more', text: 'show ' + Math.min(200, g.tasks.length - shown) + ' more', onclick: more }));
    }
    det.addEventListener('toggle', function () { if (det.open && shown === 0) more(); });
    view.appendChild(det);
  });
  if (d.retries.total > 0) {
    var layers = Object.keys(d.retries.byLayer).map(function (k) { return M.fmtInt(d.retries.byLayer[k]) + ' ' + (k === 'unknown' ? 'of unknown layer' : 'by the ' + k + ' layer'); });
    var codes = Object.keys(d.retries.byCode).sort(function (a, b) { return d.retries.byCode[b] - d.retries.byCode[a]; }).slice(0, 8)
      .map(function (k) { return k + ' ×' + M.fmtInt(d.retries.byCode[k]); });
    view.appendChild(M.el('p', { class: 'note', id: 'retries-note', text: 'Retries: ' + M.fmtInt(d.retries.total) + ' (' + layers.join(', ') + '); by code: ' + codes.join(', ') }));
  }
  if (d.warnings.length > 0) {
    view.appendChild(M.el('h3', { text: 'Warnings' }));
    d.warnings.forEach(function (w) { view.appendChild(M.el('div', { class: 'warn' }, M.el('span', { class: 'mono', text: w.id }), ': ' + w.message)); });
  }
};

M.renderArtifacts = function () {
  var d = M.data, view = document.getElementById('artifacts-view');
  view.textContent = '';
  if (d.artifacts.length === 0) { view.appendChild(M.el('p', { class: 'note', text: 'This run published no artifacts.' })); return; }
  var table = M.el('table', { class: 'plain' }, M.el('tr', null, M.el('th', { text: 'Artifact' }), M.el('th', { class: 'num', text: 'Size' }),
    M.el('th', { text: 'Tables (rows)' }), M.el('th', { text: 'Built from' })));
  d.artifacts.forEach(function (a) {
    var tables = Object.keys(a.tables).map(function (t) { return t + ' ' + M.fmtInt(a.tables[t]); }).join(', ');
    var lineage = a.lineage ? M.lineageList(a.lineage.inputs, a.lineage.rawInputs) : M.el('span', { class: 'status-bad', text: a.lineageError || 'unknown' });
    table.appendChild(M.el('tr', { class: 'artifact', 'data-path': a.path }, M.el('td', null, M.el('div', { class: 'mono', text: a.path }), M.el('div', { class: 'note', text: 'sha256 ' + a.sha256.slice(0, 16) + '…, ' + a.createdAt })),
      M.el('td', { class: 'num', text: M.fmtBytes(a.size) }), M.el('td', { text: tables || 'none' }), M.el('td', null, lineage)));
  });
  view.appendChild(table);
};

M.lineageList = function (inputs, raw) {
  if ((!inputs || inputs.length === 0) && (!raw || raw.length === 0)) return M.el('span', { class: 'note', text: 'nothing recorded (a source)' });
  var ul = M.el('ul', { class: 'lineage' });
  (inputs || []).forEach(function (n) {
    var bad = n.status !== 'ok' ? M.el('span', { class: 'status-bad', text: ' [' + n.status + (n.detail ? ': ' + n.detail : '') + ']' }) : null;
    ul.appendChild(M.el('li', null, M.el('span', { class: 'mono', text: n.path }), bad, n.inputs.length || n.rawInputs.length ? M.lineageList(n.inputs, n.rawInputs) : null));
  });
  if (raw && raw.length > 0) {
    var bytes = raw.reduce(function (s, r) { return s + (r.bytes || 0); }, 0);
    // An entry with `files` (path `<folder>/*<ext>`) stands for that many files.
    var files = raw.reduce(function (s, r) { return s + (r.files || 1); }, 0);
    var name = function (r) { return r.files ? r.path + ' (' + r.files + ' files)' : r.path; };
    var label = raw.length <= 3 ? raw.map(name).join(', ') : files + ' raw files (' + raw.slice(0, 2).map(name).join(', ') + ', …)';
    ul.appendChild(M.el('li', { class: 'raw' }, M.el('span', { class: 'mono', text: label }), bytes ? ' ' + M.fmtBytes(bytes) : ''));
  }
  return ul;
};
