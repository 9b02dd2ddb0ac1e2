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

// Bulk selection shortcuts (a header checkbox, "all failed", "all stuck") and the bulk result:
// it lands in #messages at the top of the page, and the focus goes there. Without JS the
// shortcuts stay hidden and the result is a page of its own.
(function () {
  "use strict";
  function boxes() {
    return document.querySelectorAll('input[type=checkbox][name=repo][form=bulk]');
  }
  function reveal(root) {
    var hidden = (root.querySelectorAll ? root : document).querySelectorAll("[data-select-all], [data-select-shortcuts]");
    for (var i = 0; i < hidden.length; i++) { hidden[i].hidden = false; }
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("[data-select-all]")) { return; }
    var all = boxes();
    for (var i = 0; i < all.length; i++) { all[i].checked = event.target.checked; }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-select]");
    if (!button) { return; }
    var key = button.getAttribute("data-select");
    var all = boxes();
    for (var i = 0; i < all.length; i++) {
      var row = all[i].closest("tr");
      all[i].checked = !!key && !!row && row.getAttribute("data-status") === key;
    }
    var header = document.querySelector("[data-select-all]");
    if (header) { header.checked = false; }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "messages") {
      var result = event.detail.target.querySelector(".bulk-results");
      if (result) { result.focus(); result.scrollIntoView({block: "nearest"}); }
    }
  });
})();
