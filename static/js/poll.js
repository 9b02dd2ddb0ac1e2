// Live fragments that refresh themselves while the tab is visible, without an hx-trigger
// filter (no eval: the page's Content-Security-Policy allows no inline or evaluated script).
// A fragment that wants refreshing carries hx-get, hx-trigger="md-poll" and
// data-poll-seconds="N"; every N seconds, while the tab is visible, it is sent "md-poll" (and
// once as soon as the tab becomes visible again). Its answer drawn without data-poll-seconds
// (the status is final) stops it. A hidden tab asks nothing.
(function () {
  "use strict";
  var last = new WeakMap();
  var busy = new WeakSet();

  function due(now) {
    if (!window.htmx || document.visibilityState !== "visible") { return; }
    var live = document.querySelectorAll("[data-poll-seconds]");
    for (var i = 0; i < live.length; i++) {
      var elt = live[i];
      var seconds = Number(elt.getAttribute("data-poll-seconds")) || 5;
      if (!last.has(elt)) { last.set(elt, now); continue; }
      if (busy.has(elt) || now - last.get(elt) < seconds * 1000) { continue; }
      last.set(elt, now);
      window.htmx.trigger(elt, "md-poll");
    }
  }
  document.addEventListener("htmx:beforeRequest", function (event) { busy.add(event.detail.elt); });
  document.addEventListener("htmx:afterRequest", function (event) { busy.delete(event.detail.elt); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") { return; }
    var live = document.querySelectorAll("[data-poll-seconds]");
    for (var i = 0; i < live.length; i++) { last.set(live[i], 0); }
    due(Date.now());
  });
  setInterval(function () { due(Date.now()); }, 500);
})();
