/* The timeline: one band per family over the run's duration, attempts packed into worker lanes (laid out at write time), on a canvas. */
'use strict';
M.timeline = { labelW: 170, laneH: 6, bandPad: 8, headH: 22, buckets: null };

M.renderTimeline = function () {
  var T = M.timeline, d = M.data, canvas = document.getElementById('timeline-canvas');
  var span = Math.max(1, d.run.durationMs || 0, M.maxEnd());
  var cssW = canvas.parentElement.clientWidth || 900;
  var bands = [], y = T.headH;
  d.families.forEach(function (f, i) {
    var h = Math.max(1, f.lanes) * T.laneH + T.bandPad + 12;
    bands.push({ family: i, y: y, h: h });
    y += h;
  });
  var cssH = Math.max(y + 6, 60), dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(cssW * dpr); canvas.height = Math.round(cssH * dpr);
  canvas.style.height = cssH + 'px';
  var ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  var plotW = cssW - T.labelW - 10, sx = plotW / span;
  T.geom = { bands: bands, span: span, sx: sx, plotW: plotW };
  M.drawAxis(ctx, span, plotW, cssH);
  ctx.font = '12px system-ui, sans-serif';
  bands.forEach(function (b, i) {
    if (i % 2 === 1) { ctx.fillStyle = '#fafbfc'; ctx.fillRect(0, b.y, cssW, b.h); }
    ctx.fillStyle = '#1d2330';
    ctx.fillText(M.clip(ctx, d.families[b.family].name, T.labelW - 12), 6, b.y + 14);
  });
  // Lanes: every attempt at its place (at least 1 px). A failed attempt colours its lane only
  // where it is wide enough to see on its own, so that in a dense run a few failures never hide
  // the work that succeeded; every retry and failure also gets a tick in a strip above the lanes
  // (retries on top, failures below).
  var s = d.segments, famOf = d.tasks.family, order = [0, 3, 1, 2];
  order.forEach(function (k) {
    ctx.fillStyle = M.SEG_COLORS[k];
    for (var j = 0; j < s.task.length; j++) {
      if (s.kind[j] !== k) continue;
      var b2 = bands[famOf[s.task[j]]];
      var x = T.labelW + s.start[j] * sx, raw = ((s.end[j] < 0 ? span : s.end[j]) - s.start[j]) * sx;
      if (k === 1 || k === 2) {
        ctx.fillRect(x + Math.max(1, raw) - 1, b2.y + (k === 1 ? 2 : 6), 2, 3);
        if (raw < 2) continue;
      }
      ctx.fillRect(x, b2.y + 10 + s.lane[j] * T.laneH, Math.max(1, raw), T.laneH - 1);
    }
  });
  T.buckets = null;
};

M.maxEnd = function () {
  var e = M.data.segments.end, m = 0;
  for (var i = 0; i < e.length; i++) if (e[i] > m) m = e[i];
  return m;
};

M.clip = function (ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  while (text.length > 1 && ctx.measureText(text + '…').width > width) text = text.slice(0, -1);
  return text + '…';
};

M.drawAxis = function (ctx, span, plotW, h) {
  var T = M.timeline, steps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000, 600000, 900000, 1800000, 3600000, 7200000];
  var step = steps.find(function (st) { return (st / span) * plotW >= 80; }) || span;
  ctx.font = '11px system-ui, sans-serif';
  ctx.strokeStyle = '#eceef2'; ctx.fillStyle = '#667085';
  for (var t = 0; t <= span; t += step) {
    var x = T.labelW + (t / span) * plotW;
    ctx.beginPath(); ctx.moveTo(x + 0.5, T.headH - 4); ctx.lineTo(x + 0.5, h); ctx.stroke();
    ctx.fillText(M.fmtMs(t), x + 2, 12);
  }
};

/** Segment under a point: buckets per (family, lane) sorted by start, searched by time. */
M.segmentAt = function (px, py) {
  var T = M.timeline, g = T.geom, d = M.data, s = d.segments;
  if (!g || px < T.labelW) return -1;
  var band = g.bands.find(function (b) { return py >= b.y && py < b.y + b.h; });
  if (!band) return -1;
  var lane = Math.floor((py - band.y - 10) / T.laneH);
  if (!T.buckets) {
    T.buckets = {};
    for (var j = 0; j < s.task.length; j++) {
      var key = d.tasks.family[s.task[j]] + ':' + s.lane[j];
      (T.buckets[key] = T.buckets[key] || []).push(j);
    }
    for (var k in T.buckets) T.buckets[k].sort(function (a, b) { return s.start[a] - s.start[b]; });
  }
  var list = T.buckets[band.family + ':' + lane];
  if (!list) return -1;
  var t = (px - T.labelW) / g.sx, slack = 2 / g.sx, lo = 0, hi = list.length - 1, found = -1;
  while (lo <= hi) {
    var mid = (lo + hi) >> 1;
    if (s.start[list[mid]] <= t + slack) { found = mid; lo = mid + 1; } else hi = mid - 1;
  }
  if (found < 0) return -1;
  var seg = list[found], end = s.end[seg] < 0 ? g.span : s.end[seg];
  return t <= end + slack ? seg : -1;
};

M.initTimelineHover = function () {
  var canvas = document.getElementById('timeline-canvas'), tip = document.getElementById('timeline-tip');
  var kinds = ['ran', 'attempt failed, retried', 'failed', 'running'];
  canvas.addEventListener('mousemove', function (ev) {
    var r = canvas.getBoundingClientRect(), seg = M.segmentAt(ev.clientX - r.left, ev.clientY - r.top);
    if (seg < 0) { tip.hidden = true; return; }
    var s = M.data.segments, end = s.end[seg] < 0 ? null : s.end[seg];
    tip.textContent = M.fullId(s.task[seg]) + '\n' + kinds[s.kind[seg]] + ', ' + M.fmtMs(s.start[seg]) + ' → ' + (end === null ? 'now' : M.fmtMs(end)) +
      (end === null ? '' : ' (' + M.fmtMs(end - s.start[seg]) + ')');
    tip.style.left = Math.min(ev.clientX - r.left + 12, r.width - 260) + 'px';
    tip.style.top = (ev.clientY - r.top + 12) + 'px';
    tip.hidden = false;
  });
  canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
  var timer = null;
  window.addEventListener('resize', function () { clearTimeout(timer); timer = setTimeout(M.renderTimeline, 150); });
};
