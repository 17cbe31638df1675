/* The live view (served by `ui`): tails the run over server-sent events and folds each event into the page's data. */
'use strict';
M.startLive = function (live) {
  var status = document.getElementById('live-status'), es = null, queue = [], scheduled = false, lastTimeline = 0;
  var index = null, laneEnds = null, failuresDirty = false, slowDirty = false, slowTimer = null;

  function buildIndex() {
    var d = M.data, t = d.tasks;
    index = new Map();
    for (var i = 0; i < t.id.length; i++) index.set(M.fullId(i), i);
    laneEnds = d.families.map(function () { return []; });
    var s = d.segments;
    for (var j = 0; j < s.task.length; j++) {
      var ends = laneEnds[t.family[s.task[j]]];
      ends[s.lane[j]] = Math.max(ends[s.lane[j]] || 0, s.end[j] < 0 ? Infinity : s.end[j]);
    }
  }

  function connect() {
    if (es) es.close();
    if (M.data.run.status !== 'running') { status.textContent = 'run finished'; return; }
    es = new EventSource(live.eventsUrl + '?from=' + M.data.logOffset);
    es.onopen = function () { status.textContent = '● live'; };
    es.onerror = function () { status.textContent = es.readyState === 2 ? 'disconnected' : 'reconnecting…'; };
    es.onmessage = function (m) {
      try { queue.push(JSON.parse(m.data)); } catch (e) { return; }
      if (!scheduled) { scheduled = true; setTimeout(flush, 100); }
    };
  }

  function reload() {
    if (es) es.close();
    es = null;
    status.textContent = 'updating…';
    fetch(live.dataUrl).then(function (r) { return r.json(); }).then(function (data) {
      queue = [];
      M.data = data; index = null;
      M.renderAll();
      connect();
    }, function () {
      M.renderHeader();
      status.textContent = M.data.run.status === 'running' ? 'could not reload the run' : 'run finished; the server has stopped';
    });
  }

  function flush() {
    scheduled = false;
    if (index === null) buildIndex();
    var batch = queue; queue = [];
    var changed = {}, structural = false, finished = false;
    for (var i = 0; i < batch.length; i++) {
      var r = apply(batch[i], changed);
      if (r === 'reload') { structural = true; break; }
      if (r === 'finished') finished = true;
    }
    if (structural) return reload();
    M.data.families.forEach(function (f, fi) { if (changed[fi]) M.updateGraphNode(f); });
    M.renderHeader();
    if (changed.failures) failuresDirty = true;
    slowDirty = true;
    var wait = finished ? 0 : Math.max(0, 1000 - (performance.now() - lastTimeline));
    if (wait === 0) slowUpdate();
    else if (slowTimer === null) slowTimer = setTimeout(slowUpdate, wait);
    if (finished) { if (es) es.close(); status.textContent = 'run finished'; M.renderFailures(); }
  }

  /** The timeline, table and failures: redrawn at most once a second, and once more after the last event. */
  function slowUpdate() {
    if (slowTimer !== null) clearTimeout(slowTimer);
    slowTimer = null;
    if (!slowDirty) return;
    slowDirty = false;
    lastTimeline = performance.now();
    M.renderTimeline();
    M.table.refresh();
    if (failuresDirty && !M.anyFailureOpen()) { failuresDirty = false; M.renderFailures(); }
  }

  function rel(at) { var t0 = M.data.run.startedAt; return typeof at === 'number' && typeof t0 === 'number' ? Math.max(0, Math.round(at - t0)) : 0; }

  function setState(i, st, changed) {
    var t = M.data.tasks, f = M.data.families[t.family[i]];
    f.counts[M.STATES[t.state[i]]] -= 1; f.counts[M.STATES[st]] += 1; t.state[i] = st; changed[t.family[i]] = true;
  }

  function apply(e, changed) {
    var d = M.data, t = d.tasks;
    if (typeof e.at === 'number') d.run.endedAt = e.at;
    if (typeof e.at === 'number' && typeof d.run.startedAt === 'number') d.run.durationMs = e.at - d.run.startedAt;
    if (e.type === 'graph') {
      var names = Object.keys(e.families || {});
      return names.some(function (n) { return !d.families.some(function (f) { return f.name === n; }); }) || (e.edges || []).length !== d.graph.edges.length ? 'reload' : null;
    }
    if (e.type === 'run_finished') {
      // Kept even if the reload below fails (a `--ui` server stops soon after its run).
      var sum = e.summary || {};
      d.run.status = typeof sum.status === 'string' ? sum.status : 'unknown';
      if (typeof sum.durationMs === 'number') d.run.durationMs = sum.durationMs;
      return 'reload';
    }
    if (e.type === 'tasks_planned') {
      for (var name in e.byFamily || {}) {
        var fam = d.families.find(function (f) { return f.name === name; });
        if (!fam) return 'reload';
        fam.counts.complete = e.byFamily[name].complete || 0; changed[d.families.indexOf(fam)] = true;
      }
      return null;
    }
    if (typeof e.id !== 'string' || e.type.indexOf('task_') !== 0) return null;
    var i = index.get(e.id);
    if (i === undefined) {
      var fi = d.families.findIndex(function (f) { return f.name === e.family; });
      if (fi < 0) return 'reload';
      i = t.id.length; index.set(e.id, i);
      t.id.push(e.id.indexOf(e.family + '(') === 0 ? e.id.slice(e.family.length) : e.id);
      t.family.push(fi); t.state.push(0); t.start.push(-1); t.end.push(-1); t.duration.push(-1); t.attempts.push(0); t.reason.push(-1); t.failure.push(-1);
      d.families[fi].counts.pending += 1; changed[fi] = true;
    }
    var s = d.segments, at = rel(e.at);
    switch (e.type) {
      case 'task_pending': t.reason[i] = reasonIndex(e.reason); break;
      case 'task_started':
        t.attempts[i] = e.attempt || t.attempts[i] + 1; if (t.start[i] < 0) t.start[i] = at;
        var ends = laneEnds[t.family[i]], lane = ends.findIndex(function (x) { return x <= at; });
        if (lane < 0) lane = ends.length;
        ends[lane] = Infinity;
        s.task.push(i); s.start.push(at); s.end.push(-1); s.kind.push(3); s.lane.push(lane);
        if (lane + 1 > d.families[t.family[i]].lanes) d.families[t.family[i]].lanes = lane + 1;
        setState(i, 1, changed); break;
      case 'task_done': close(i, at, 0); setState(i, 3, changed); break;
      case 'task_retry': close(i, at, 1); retried(e); changed.failures = true; setState(i, 2, changed); break;
      case 'task_failed': close(i, at, 2); addFailure(i, e); changed.failures = true; setState(i, 4, changed); break;
      case 'task_skipped': t.reason[i] = reasonIndex(e.reason); setState(i, 5, changed); break;
    }
    return null;
  }

  function close(i, at, kind) {
    var s = M.data.segments, t = M.data.tasks;
    t.end[i] = at;
    for (var j = s.task.length - 1; j >= 0; j--) {
      if (s.task[j] !== i || s.end[j] >= 0) continue;
      s.end[j] = Math.max(at, s.start[j]); s.kind[j] = kind;
      t.duration[i] = Math.max(0, t.duration[i]) + s.end[j] - s.start[j];
      laneEnds[t.family[i]][s.lane[j]] = s.end[j];
      return;
    }
  }

  /** Into its group by code and generalised message, as src/report/text.ts failurePattern does. */
  function addFailure(i, e) {
    var d = M.data, t = d.tasks;
    if (t.failure[i] >= 0) return;
    var error = typeof e.error === 'string' ? e.error : 'unknown error', code = typeof e.code === 'string' ? e.code : null;
    var pattern = M.failurePattern(error, e.id);
    var gi = d.failures.findIndex(function (g) { return g.code === code && g.pattern === pattern; });
    if (gi < 0) { gi = d.failures.length; d.failures.push({ code: code, pattern: pattern, count: 0, tasks: [], errors: [] }); }
    var g = d.failures[gi];
    g.count += 1; g.tasks.push(i); g.errors.push(error); t.failure[i] = gi;
  }

  function retried(e) {
    var r = M.data.retries, layer = typeof e.layer === 'string' ? e.layer : 'unknown', code = typeof e.code === 'string' ? e.code : 'no code';
    r.total += 1;
    r.byLayer[layer] = (r.byLayer[layer] || 0) + 1;
    r.byCode[code] = (r.byCode[code] || 0) + 1;
  }

  function reasonIndex(text) {
    if (typeof text !== 'string') return -1;
    var k = M.data.reasons.indexOf(text);
    if (k < 0) { k = M.data.reasons.length; M.data.reasons.push(text); }
    return k;
  }

  connect();
};

/** The failure message generalised: the task's own id, URLs' query strings and numbers (mirrors src/report/text.ts). */
M.failurePattern = function (message, taskId) {
  var m = message.split(taskId).join('<task>');
  m = m.replace(/https?:\/\/[^\s'"]+/g, function (url) { return url.replace(/\?.*$/, '?…').replace(/\d+/g, 'N'); });
  m = m.replace(/\b\d+(\.\d+)?\b/g, 'N');
  return m.length > 300 ? m.slice(0, 300) + '…' : m;
};

/** Someone reading a failure group: leave the list alone until they close it. */
M.anyFailureOpen = function () { return document.querySelector('#failures-view details[open]') !== null; };
