/* The family graph: positions come laid out in the data (dagre, at write time); this only draws SVG. */
'use strict';
M.countsText = function (c) {
  var parts = [];
  ['done', 'failed', 'skipped', 'running', 'retrying', 'pending', 'complete'].forEach(function (k) {
    if (c[k] > 0 || k === 'done' || (k === 'failed' && c.failed > 0)) parts.push(M.fmtInt(c[k]) + ' ' + (k === 'complete' ? 'complete' : k));
  });
  return parts;
};

M.renderGraph = function () {
  var g = M.data.graph, view = document.getElementById('graph-view');
  view.textContent = '';
  document.getElementById('graph-note').textContent = g.recorded ? M.data.families.length + ' task families; click one to filter the task table.'
    : 'Graph not recorded (this run log predates graph events): families are shown without their edges.';
  var svg = M.el('svg:svg', { width: Math.max(g.width, 200), height: Math.max(g.height, 60), role: 'img', 'aria-label': 'task family graph' });
  var defs = M.el('svg:defs');
  var marker = M.el('svg:marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.appendChild(M.el('svg:path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#9aa3b5' }));
  defs.appendChild(marker);
  svg.appendChild(defs);
  g.edges.forEach(function (e) {
    if (e.points.length < 2) return;
    var d = 'M' + e.points.map(function (p) { return p[0] + ' ' + p[1]; }).join(' L');
    var mid = e.points[Math.floor(e.points.length / 2)];
    svg.appendChild(M.el('svg:g', { class: 'edge', 'data-from': e.from, 'data-to': e.to },
      M.el('svg:path', { d: d, 'marker-end': 'url(#arrow)' }),
      e.count > 1 ? M.el('svg:text', { x: mid[0], y: mid[1] - 5, 'text-anchor': 'middle', text: '×' + M.fmtInt(e.count) }) : null));
  });
  var byName = {};
  M.data.families.forEach(function (f) { byName[f.name] = f; });
  M.graphNodes = {};
  g.nodes.forEach(function (n) {
    var node = M.el('svg:g', { class: 'family', 'data-family': n.family, transform: 'translate(' + n.x + ',' + n.y + ')',
      onclick: function () { M.table && M.table.setFamily(n.family); location.hash = '#tasks'; } });
    node.appendChild(M.el('svg:rect', { class: 'box', width: n.width, height: n.height, rx: 6 }));
    node.appendChild(M.el('svg:text', { class: 'name', x: 10, y: 18, text: n.family }));
    node.appendChild(M.el('svg:g', { class: 'bar' }));
    node.appendChild(M.el('svg:text', { class: 'counts c1', x: 10, y: 50 }));
    node.appendChild(M.el('svg:text', { class: 'counts c2', x: 10, y: 65 }));
    svg.appendChild(node);
    M.graphNodes[n.family] = { el: node, layout: n };
    M.updateGraphNode(byName[n.family]);
  });
  view.appendChild(svg);
};

/** Redraws one node's counts and state bar (also on live updates). */
M.updateGraphNode = function (f) {
  var entry = f && M.graphNodes && M.graphNodes[f.name];
  if (!entry) return;
  var c = f.counts, node = entry.el, w = entry.layout.width - 20;
  M.STATES.concat(['complete']).forEach(function (k) { node.setAttribute('data-' + k, c[k] || 0); });
  node.setAttribute('class', 'family' + (c.failed > 0 ? ' has-failed' : ''));
  var parts = M.countsText(c), half = Math.ceil(parts.length / 2);
  node.querySelector('.c1').textContent = parts.slice(0, half).join(' · ');
  node.querySelector('.c2').textContent = parts.slice(half).join(' · ') + (f.tasks !== null && f.tasks !== undefined ? '  (' + M.fmtInt(f.tasks) + ' in graph)' : '');
  var bar = node.querySelector('.bar');
  bar.textContent = '';
  var total = 0, order = ['complete', 'done', 'failed', 'skipped', 'running', 'retrying', 'pending'];
  var colors = { complete: '#7fb99a', done: '#2e9d57', failed: '#d43c3c', skipped: '#9a9aa6', running: '#3b7ddd', retrying: '#e8920c', pending: '#c9ccd6' };
  order.forEach(function (k) { total += c[k] || 0; });
  var x = 10;
  order.forEach(function (k) {
    if (!c[k] || total === 0) return;
    var width = Math.max(1, (c[k] / total) * w);
    bar.appendChild(M.el('svg:rect', { x: x, y: 26, width: width, height: 8, fill: colors[k] }));
    x += width;
  });
  if (total === 0) bar.appendChild(M.el('svg:rect', { x: 10, y: 26, width: w, height: 8, fill: '#eef0f4' }));
};
