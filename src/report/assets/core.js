/* Shared helpers of the report page: the namespace, element building, formatting, the header. */
'use strict';
var M = (window.mallard = window.mallard || {});
M.STATES = ['pending', 'running', 'retrying', 'done', 'failed', 'skipped'];
M.SEG_COLORS = ['#2e9d57', '#e8920c', '#d43c3c', '#3b7ddd'];

/** el('div', {class: 'x', onclick: f}, child, 'text'): text always goes in as text, never as HTML. */
M.el = function (tag, attrs) {
  var svg = tag.indexOf('svg:') === 0;
  var node = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag.slice(4)) : document.createElement(tag);
  if (attrs) for (var k in attrs) {
    var v = attrs[k];
    if (v === undefined || v === null || v === false) continue;
    if (k.indexOf('on') === 0 && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (k === 'text') node.textContent = String(v);
    else node.setAttribute(k, String(v));
  }
  for (var i = 2; i < arguments.length; i++) {
    var c = arguments[i];
    if (c === undefined || c === null || c === false) continue;
    node.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
  return node;
};

M.fmtMs = function (ms) {
  if (ms === null || ms === undefined || ms < 0) return 'unknown';
  if (ms < 1000) return Math.round(ms) + ' ms';
  var s = ms / 1000;
  if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + ' s';
  var m = Math.floor(s / 60);
  if (m < 60) return m + ' min ' + Math.round(s - m * 60) + ' s';
  return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
};

M.fmtBytes = function (n) {
  if (typeof n !== 'number') return 'unknown';
  var u = ['B', 'KB', 'MB', 'GB', 'TB'], i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i];
};

M.fmtTime = function (epochMs) {
  if (typeof epochMs !== 'number') return 'unknown';
  return new Date(epochMs).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
};

M.fmtInt = function (n) { return typeof n === 'number' ? n.toLocaleString('en-US') : 'unknown'; };

/** The whole task id: family + stored part. */
M.fullId = function (i) {
  var d = M.data, stored = d.tasks.id[i];
  return stored.charAt(0) === '(' ? d.families[d.tasks.family[i]].name + stored : stored;
};

M.stateName = function (code) { return M.STATES[code] || 'unknown'; };

M.totals = function () {
  var t = { pending: 0, running: 0, retrying: 0, done: 0, failed: 0, skipped: 0, complete: 0 };
  M.data.families.forEach(function (f) { for (var k in t) t[k] += f.counts[k] || 0; });
  return t;
};

M.renderHeader = function () {
  var d = M.data, r = d.run, meta = document.getElementById('run-meta');
  meta.textContent = '';
  var t = M.totals();
  var item = function (label, value) { return M.el('span', null, label + ' ', M.el('b', { text: value })); };
  meta.appendChild(M.el('span', { class: 'badge ' + r.status, id: 'run-status', text: r.status === 'running' ? 'running or unfinished' : r.status }));
  meta.appendChild(item('site', r.scope || 'unknown'));
  meta.appendChild(item('started', M.fmtTime(r.startedAt)));
  meta.appendChild(item('duration', M.fmtMs(r.durationMs)));
  meta.appendChild(item('workers', r.workers === null ? 'unknown' : r.workers));
  meta.appendChild(M.el('span', { id: 'run-totals' }, item('done', M.fmtInt(t.done)), ' ', item('failed', M.fmtInt(t.failed)), ' ',
    item('skipped', M.fmtInt(t.skipped)), ' ', item('running', M.fmtInt(t.running + t.retrying)), ' ', item('complete already', M.fmtInt(t.complete))));
  meta.appendChild(item('retries', M.fmtInt(d.retries.total)));
  if (r.command) meta.appendChild(M.el('span', { class: 'mono', text: r.command }));
  var notes = [];
  if (r.status === 'running') notes.push('This log has no end: the run is still going, or its process died. What is shown is everything logged so far.');
  if (r.truncated) notes.push('The last line of the log is cut off (a run that was killed, or one being written now); it is left out.');
  if (r.badLines > 0) notes.push(r.badLines + ' line(s) of the log are not events and were left out.');
  if (r.unknown.length > 0) notes.push('Written by an earlier version: not recorded ' + r.unknown.join(', ') + ' (shown as unknown).');
  notes.forEach(function (n) { meta.appendChild(M.el('div', { class: 'warn', text: n })); });
};
