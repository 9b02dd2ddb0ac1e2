// Overview: keep the counts at the top in step with rows that refresh themselves.
// Each row carries data-status; when htmx swaps a row in (polling, an action, a bulk result),
// the count of its old status goes down and the new one up. Without JS the counts are simply
// those of the last page load.
(function () {
  "use strict";
  var known = {};

  function remember(root) {
    var rows = root.matches && root.matches("tr[data-status]") ? [root] : root.querySelectorAll ? root.querySelectorAll("tr[data-status]") : [];
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var before = known[row.id];
      var now = row.getAttribute("data-status");
      if (before !== undefined && before !== now) {
        bump(before, -1);
        bump(now, +1);
        announce(row);
      }
      known[row.id] = now;
    }
  }

  // Screen readers hear which row changed and to what (the rows themselves are replaced).
  function announce(row) {
    var region = document.getElementById("row-announcer");
    var name = row.querySelector("th");
    var status = row.querySelector(".status");
    if (region && name && status) {
      region.textContent = name.textContent.trim() + ": " + status.textContent.trim();
    }
  }

  function bump(key, delta) {
    var link = document.querySelector('[data-count-for="' + key + '"]');
    if (!link) { return; }
    var count = link.querySelector(".count");
    var before = parseInt(count.textContent, 10);
    if (isNaN(before)) { return; }  // "?": a namespace could not be listed, the count is unknown
    var value = Math.max(0, before + delta);
    count.textContent = String(value);
    var item = link.closest("li");
    if (item) { item.hidden = value === 0 && !item.hasAttribute("data-always"); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    known = {};
    remember(document);
  });
  document.addEventListener("htmx:load", function (event) {
    // A new results block (filters changed) starts the counts afresh.
    if (event.target.id === "results" || (event.target.querySelector && event.target.querySelector("#results"))) {
      known = {};
    }
    remember(event.target);
  });
})();
