/* Starts the page: the report (from the embedded data, live when served by `ui`) or the runs list. */
'use strict';
M.renderAll = function () {
  M.renderHeader();
  M.renderGraph();
  M.renderTimeline();
  M.renderFailures();
  M.table = M.createTable();
  M.renderArtifacts();
};

/** The embedded data: plain JSON, or gzip + base64 (large runs), inflated with the browser's own DecompressionStream. */
M.loadData = function (el) {
  var text = el.textContent;
  if (el.getAttribute('data-encoding') !== 'gzip-base64') return Promise.resolve(JSON.parse(text));
  var bytes;
  if (typeof Uint8Array.fromBase64 === 'function') bytes = Uint8Array.fromBase64(text);
  else {
    var bin = atob(text);
    bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  }
  var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text().then(JSON.parse);
};

(function boot() {
  function fail(err) {
    var box = document.createElement('div');
    box.className = 'warn';
    box.textContent = 'This report could not be shown: ' + (err && err.message ? err.message : String(err));
    document.querySelector('main').prepend(box);
    document.body.setAttribute('data-ready', 'error');
    if (window.console) console.error(err);
  }
  function show(data) {
    M.data = data;
    var opts = JSON.parse(document.getElementById('report-options').textContent || '{}');
    M.renderAll();
    M.initTimelineHover();
    if (opts.live) M.startLive(opts.live);
    M.readyAt = performance.now();
    document.body.setAttribute('data-ready', 'true');
  }
  function start() {
    try {
      if (document.body.getAttribute('data-page') === 'runs') return M.startRunsPage();
      M.loadData(document.getElementById('report-data')).then(show).catch(fail);
    } catch (err) {
      fail(err);
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start); else start();
})();
