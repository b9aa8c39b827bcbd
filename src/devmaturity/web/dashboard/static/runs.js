// Run history: rows of runs still queued or running ask the runs API for their status every few seconds.
(function () {
  "use strict";
  var ACTIVE = { queued: true, running: true };
  function cell(row, name) { return row.querySelector('[data-live="' + name + '"]'); }
  function tick() {
    var rows = Array.prototype.filter.call(document.querySelectorAll("tr[data-run]"), function (row) {
      var status = cell(row, "status");
      return status && ACTIVE[status.getAttribute("data-status") || status.textContent.trim()];
    });
    if (!rows.length) { return; }
    rows.forEach(function (row) {
      fetch("/api/v1/runs/" + encodeURIComponent(row.getAttribute("data-run")), { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (run) {
          if (!run) { return; }
          var status = cell(row, "status"), progress = cell(row, "progress");
          if (status) { status.textContent = run.status; status.setAttribute("data-status", run.status); }
          if (progress) { progress.textContent = run.stage ? run.stage + " " + (run.done || 0) : ""; }
        })
        .catch(function () { /* the next tick tries again */ });
    });
    window.setTimeout(tick, 2000);
  }
  window.setTimeout(tick, 2000);
}());
