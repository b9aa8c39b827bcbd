// The report being prepared: ask its status resource every two seconds; once ready, fetch the download (the
// response is an attachment, so this page stays); when it failed, say so and stop.
(function () {
  "use strict";
  var box = document.getElementById("report-pending");
  var state = document.getElementById("report-state");
  if (!box || !state) { return; }
  var ACTIVE = { queued: true, running: true };
  function show(name) {
    state.textContent = box.getAttribute("data-text-" + name) || name;
    state.setAttribute("data-state", name);
  }
  function tick() {
    fetch(box.getAttribute("data-status-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (found) {
        if (!found) { window.setTimeout(tick, 4000); return; }
        if (ACTIVE[found.state]) { show(found.state); window.setTimeout(tick, 2000); return; }
        if (found.state === "failed") { show("failed"); return; }
        // ready, or missing (nothing prepares it any more): asking for the download again serves or queues it
        if (found.state === "ready") { show("ready"); }
        window.location.assign(box.getAttribute("data-download-url"));
      })
      .catch(function () { window.setTimeout(tick, 4000); });
  }
  window.setTimeout(tick, 2000);
}());
