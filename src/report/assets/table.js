/* The task table: virtualised (only the rows in view exist in the DOM), with search, filters and sorting. */
'use strict';
M.createTable = function () {
  var ROW = 22, OVERSCAN = 10;
  var d = M.data, controls = document.getElementById('table-controls'), view = document.getElementById('table-view');
  var state = { q: '', family: '', st: '', reason: '', sort: null, desc: false, rows: new Int32Array(0) };
  controls.textContent = ''; view.textContent = '';
  var search = M.el('input', { type: 'search', id: 'task-search', placeholder: 'Search task ids (e.g. site=data-gov-uk)', 'aria-label': 'search tasks' });
  var famSel = M.el('select', { id: 'filter-family', 'aria-label': 'family' });
  var stSel = M.el('select', { id: 'filter-state', 'aria-label': 'state' });
  var reasonSel = M.el('select', { id: 'filter-reason', 'aria-label': 'reason' });
  var shown = M.el('span', { class: 'shown', id: 'table-shown' });
  controls.append(search, famSel, stSel, reasonSel, shown);
  var head = M.el('div', { class: 'vt-head', role: 'row' });
  [['id', 'Task'], ['family', 'Family'], ['state', 'State'], ['duration', 'Duration'], ['attempts', 'Attempts'], ['reason', 'Why it ran / was skipped']].forEach(function (c) {
    head.appendChild(M.el('span', { 'data-sort': c[0], onclick: function () { sortBy(c[0]); }, text: c[1] }));
  });
  var viewport = M.el('div', { class: 'vt-viewport', id: 'task-viewport', role: 'table' });
  var spacer = M.el('div', { class: 'vt-spacer' });
  var rowsBox = M.el('div', { class: 'vt-rows' });
  viewport.append(spacer, rowsBox);
  view.append(head, viewport);
  var pool = [];

  function options() {
    fill(famSel, 'all families', d.families.map(function (f) { return f.name; }));
    fill(stSel, 'all states', M.STATES);
    var kinds = {};
    d.reasons.forEach(function (r) { kinds[M.reasonKind(r)] = true; });
    fill(reasonSel, 'any reason', Object.keys(kinds).sort());
  }
  function fill(sel, all, values) {
    var keep = sel.value;
    sel.textContent = '';
    sel.appendChild(M.el('option', { value: '', text: all }));
    values.forEach(function (v) { sel.appendChild(M.el('option', { value: v, text: v })); });
    sel.value = values.indexOf(keep) >= 0 ? keep : '';
  }

  function apply() {
    var t = d.tasks, n = t.id.length, q = state.q.toLowerCase(), out = new Int32Array(n), k = 0;
    var fam = state.family === '' ? -1 : d.families.findIndex(function (f) { return f.name === state.family; });
    var st = state.st === '' ? -1 : M.STATES.indexOf(state.st);
    var reasonOk = null;
    if (state.reason !== '') reasonOk = d.reasons.map(function (r) { return M.reasonKind(r) === state.reason; });
    var famLower = d.families.map(function (f) { return f.name.toLowerCase(); });
    for (var i = 0; i < n; i++) {
      if (fam >= 0 && t.family[i] !== fam) continue;
      if (st >= 0 && t.state[i] !== st) continue;
      if (reasonOk && !(t.reason[i] >= 0 && reasonOk[t.reason[i]])) continue;
      if (q !== '') {
        var stored = t.id[i];
        var full = stored.charAt(0) === '(' ? famLower[t.family[i]] + stored.toLowerCase() : stored.toLowerCase();
        if (full.indexOf(q) < 0) continue;
      }
      out[k++] = i;
    }
    state.rows = out.subarray(0, k);
    if (state.sort) sortRows();
    shown.textContent = M.fmtInt(k) + ' of ' + M.fmtInt(n) + ' tasks';
    spacer.style.height = (k * ROW) + 'px';
    render(true);
  }

  function sortRows() {
    var t = d.tasks, key = state.sort, dir = state.desc ? -1 : 1, arr = Array.from(state.rows);
    var val = key === 'id' ? function (i) { return M.fullId(i); } : key === 'family' ? function (i) { return d.families[t.family[i]].name; }
      : key === 'reason' ? function (i) { return t.reason[i] < 0 ? '' : d.reasons[t.reason[i]]; } : function (i) { return t[key][i]; };
    var keys = new Map();
    arr.forEach(function (i) { keys.set(i, val(i)); });
    arr.sort(function (a, b) { var x = keys.get(a), y = keys.get(b); return (x < y ? -1 : x > y ? 1 : a - b) * dir; });
    state.rows = Int32Array.from(arr);
  }
  function sortBy(key) {
    state.desc = state.sort === key ? !state.desc : key === 'duration' || key === 'attempts';
    state.sort = key;
    apply();
  }

  function render(force) {
    var first = Math.max(0, Math.floor(viewport.scrollTop / ROW) - OVERSCAN);
    var count = Math.ceil((viewport.clientHeight || 440) / ROW) + 2 * OVERSCAN;
    if (!force && first === render.first && count === render.count) return;
    render.first = first; render.count = count;
    rowsBox.style.transform = 'translateY(' + first * ROW + 'px)';
    while (pool.length < count) { var r = M.el('div', { class: 'vt-row', role: 'row' }); for (var c = 0; c < 6; c++) r.appendChild(M.el('span')); pool.push(r); rowsBox.appendChild(r); }
    var t = d.tasks;
    for (var j = 0; j < pool.length; j++) {
      var row = pool[j], idx = first + j;
      if (j >= count || idx >= state.rows.length) { row.style.display = 'none'; continue; }
      row.style.display = '';
      var i = state.rows[idx], cells = row.children, sname = M.stateName(t.state[i]);
      cells[0].textContent = M.fullId(i); cells[0].className = 'tid'; cells[0].title = cells[0].textContent;
      cells[1].textContent = d.families[t.family[i]].name;
      cells[2].textContent = sname; cells[2].className = 'st st-' + sname;
      cells[3].textContent = t.duration[i] < 0 ? '' : M.fmtMs(t.duration[i]);
      cells[4].textContent = t.attempts[i] || '';
      var reason = t.reason[i] < 0 ? (t.state[i] === 4 && t.failure[i] >= 0 ? '' : 'unknown') : d.reasons[t.reason[i]];
      cells[5].textContent = reason; cells[5].title = reason;
    }
  }

  var timer = null;
  search.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(function () { state.q = search.value.trim(); apply(); }, 60); });
  famSel.addEventListener('change', function () { state.family = famSel.value; apply(); });
  stSel.addEventListener('change', function () { state.st = stSel.value; apply(); });
  reasonSel.addEventListener('change', function () { state.reason = reasonSel.value; apply(); });
  viewport.addEventListener('scroll', function () { render(false); }, { passive: true });
  options();
  apply();
  return {
    setFamily: function (name) { famSel.value = name; state.family = name; apply(); },
    setSearch: function (q) { search.value = q; state.q = q; apply(); },
    refresh: function () { options(); apply(); },
    visibleCount: function () { return state.rows.length; }
  };
};

/** A reason by kind, as the filter offers it (mirrors src/report/text.ts reasonLabel). */
M.reasonKind = function (r) {
  var starts = [['missing output', 'missing output'], ['no receipt', 'no receipt'], ['forced', 'forced'], ['upstream failed', 'upstream failed'],
    ['upstream', 'upstream will run'], ['output changed', 'output changed'], ['task version changed', 'version changed'], ['not started', 'not started']];
  for (var i = 0; i < starts.length; i++) if (r.indexOf(starts[i][0]) === 0) return starts[i][1];
  if (/^inputs? /.test(r) || r.indexOf('input') >= 0) return 'inputs changed';
  return (r.split(':')[0] || r).trim().slice(0, 60) || 'unknown';
};
