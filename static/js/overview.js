// The overview page. Without this file the page still works: a browser without JavaScript
// is sent to ?details=all, which draws every row with its details.
//
// 1. Counts: each row carries data-status; when a row is swapped in (a detail batch, the
//    refresh, a press, the listing) the count of its old status goes down and the new one up.
//    The rows the first paint counted but left for its listing to draw (data-counted: the
//    key it counted each under) move from that count to their own; one the page already
//    has is dropped.
// 2. Details in batches: rows drawn before their details carry data-need ("details", then
//    "results"). They are asked for BATCH rows at a time, at most LANES requests at once:
//    rows in view first, then failed and running ones (data-priority) wherever they are;
//    the rest once they scroll into view. Only after the listing has answered (it may draw
//    some rows again). A row its batch could not fill is asked again a little later.
// 3. The refresh (#refresh): when it cannot reach the dashboard, every row stays as it was,
//    greyed, "as of" the last refresh, and it tries again.
(function () {
  "use strict";
  var BATCH = 10, LANES = 2, AGAIN_MS = 5000;
  var BROKEN = 2;      // ranks of failed, stuck and unreadable rows (data-rank)
  var known = {};      // row id -> the key it is counted under ("" when not counted)
  var ranks = {};      // row id -> its data-rank when last seen
  var visible = {};    // row id -> true while the row is in (or near) view
  var asked = {};      // row id -> true while a batch for it is in flight
  var notBefore = {};  // row id -> time before which it is not asked again
  var lanes = [];      // the elements that own the batch requests in flight
  var observer = null;

  function results() { return document.getElementById("results"); }

  // -- 1. counts ------------------------------------------------------------------------
  // A pending row (its status not known yet) is counted in the total only.
  function countedKey(row) {
    return row.hasAttribute("data-uncounted") ? "" : row.getAttribute("data-status");
  }

  function remember(root, initial) {
    var rows = root.matches && root.matches("tr[data-status]") ? [root] : root.querySelectorAll ? root.querySelectorAll("tr[data-status]") : [];
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var before = known[row.id];
      var now = countedKey(row);
      if (row.hasAttribute("data-counted")) {
        // A row the first paint counted and the listing drew: the page keeps one of each, and
        // moves it from the count the first paint put it in to its own (it may have changed).
        var first = row.getAttribute("data-counted");
        row.removeAttribute("data-counted");
        if (before !== undefined && document.getElementById(row.id) !== row) {
          row.remove();
          continue;
        }
        if (before === undefined) { before = first; }
      }
      var counted = initial;
      if (!counted && before !== now) {
        if (before) { bump(before, -1); }
        if (now) { bump(now, +1); }
        if (before && now && before !== "pending") { announce(row); }
      }
      known[row.id] = now;
      var rank = Number(row.getAttribute("data-rank"));
      if (!counted && rank <= BROKEN && !(ranks[row.id] <= BROKEN)) { moveUp(row); }
      ranks[row.id] = rank;
      watch(row);
    }
  }

  // Broken first: a row found failed, stuck or unreadable (by its details, or a refresh)
  // joins the broken rows at the top, in their order.
  function moveUp(row) {
    var body = document.getElementById("rows");
    if (!body) { return; }
    var key = sortKey(row);
    var others = body.querySelectorAll("tr[data-rank]");
    for (var i = 0; i < others.length; i++) {
      if (others[i] === row) { continue; }
      var other = sortKey(others[i]);
      if (other[0] > key[0] || (other[0] === key[0] && other[1] > key[1])) {
        if (others[i].previousElementSibling !== row) { body.insertBefore(row, others[i]); }
        return;
      }
    }
    body.appendChild(row);
  }

  function sortKey(row) {
    return [Number(row.getAttribute("data-rank")), row.getAttribute("data-repo") || ""];
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
    if (link) { add(link.querySelector(".count"), delta, link.closest("li")); }
    if (key !== "normal") { add(document.querySelector("[data-count-total]"), delta, null); }
    showTotal();
  }

  // Rows held for a search that their details have not yet told to match (uncounted).
  function heldUncounted(box) {
    return box ? box.querySelectorAll("tr[data-held][data-uncounted]").length : 0;
  }

  // The total is "?" while it may still grow: the listing has not answered (it may bring
  // mirrors mirror health does not name, or rows held for a search: data-grows), or rows
  // are held that a search may match (their details are still to tell); else the number
  // it kept, with its noun.
  function showTotal() {
    var count = document.querySelector("[data-count-total]");
    if (!count) { return; }
    var box = results();
    var n = Number(count.getAttribute("data-n") || "0");
    var held = heldUncounted(box);
    var incomplete = document.getElementById("counts-incomplete");
    var partial = !!(incomplete && incomplete.textContent.trim());
    var grows = count.hasAttribute("data-grows") && !listed();
    var shown = grows || held > 0 || (partial && n === 0) ? "?" : String(n);
    count.textContent = shown;
    var noun = count.parentNode.querySelector("[data-count-noun]");
    if (noun) { noun.textContent = "repository mirror" + (shown === "1" ? "" : "s"); }
  }

  function add(count, delta, item) {
    if (!count) { return; }
    // "?" is a zero not known to be zero (see unknownZeros): the number goes on under it.
    var unknown = count.textContent === "?";
    var before = unknown ? Number(count.getAttribute("data-n") || 0) : parseInt(count.textContent, 10);
    if (isNaN(before)) { return; }
    var value = Math.max(0, before + delta);
    count.setAttribute("data-n", String(value));
    count.textContent = unknown && value === 0 ? "?" : String(value);
    if (item) { item.hidden = value === 0 && !unknown && !item.hasAttribute("data-always"); }
  }

  // A namespace could not be listed, or a batch of details found a mirror whose status is not
  // known (its span in the note): a zero is not known to be zero.
  function unknownZeros() {
    var note = document.getElementById("counts-incomplete");
    if (!note || !note.textContent.trim()) { return; }
    var counts = document.querySelectorAll("#results .counts .count");
    for (var i = 0; i < counts.length; i++) {
      if (counts[i].textContent === "0") {
        counts[i].setAttribute("data-n", "0");
        counts[i].textContent = "?";
      }
    }
  }

  // Rows held until their details tell whether a search matches them may be of any status:
  // while there are some, a zero is not known to be zero ("?"); once none is left, the
  // number kept under it (stuck: see stuckChecks; a namespace not listed: unknownZeros).
  function heldZeros(held) {
    var counts = document.querySelectorAll("#results .counts [data-count-for] .count");
    for (var i = 0; i < counts.length; i++) {
      var count = counts[i];
      if (held > 0 && count.textContent === "0") {
        count.setAttribute("data-n", "0");
        count.setAttribute("data-held-zero", "");
        count.textContent = "?";
      } else if (held === 0 && listed() && count.hasAttribute("data-held-zero")) {
        count.removeAttribute("data-held-zero");
        if (count.textContent === "?") { count.textContent = count.getAttribute("data-n") || "0"; }
      }
    }
    unknownZeros();
  }

  // -- 2. details in batches --------------------------------------------------------------
  function watch(row) {
    if (!observer || !row.hasAttribute("data-need")) { return; }
    observer.observe(row);
  }

  function listed() {
    return !document.getElementById("listed") || !!document.querySelector("#listed[data-listed]");
  }

  function candidates(need, test) {
    var rows = document.querySelectorAll('#results tr[data-need="' + need + '"]');
    var now = Date.now(), picked = [];
    for (var i = 0; i < rows.length && picked.length < BATCH; i++) {
      var row = rows[i];
      if (asked[row.id] || (notBefore[row.id] || 0) > now || !test(row)) { continue; }
      picked.push(row);
    }
    return picked;
  }

  function inView(row) { return !!visible[row.id] && !row.hidden; }
  function priority(row) { return row.hasAttribute("data-priority"); }

  function nextBatch() {
    var order = [["details", inView], ["results", inView], ["details", priority]];
    for (var i = 0; i < order.length; i++) {
      var rows = candidates(order[i][0], order[i][1]);
      if (rows.length) { return {need: order[i][0], rows: rows}; }
    }
    return null;
  }

  function pump() {
    var box = results();
    if (!box || !box.hasAttribute("data-lazy") || !listed() || !window.htmx) { return; }
    while (lanes.length < LANES) {
      var batch = nextBatch();
      if (!batch) { break; }
      send(box, batch);
    }
    holdings();
  }

  function send(box, batch) {
    var params = new URLSearchParams(box.getAttribute("data-filters") || "");
    var url = box.getAttribute(batch.need === "details" ? "data-details-url" : "data-results-url");
    batch.rows.forEach(function (row) {
      asked[row.id] = true;
      if (batch.need === "details") {
        var state = row.querySelector("input[name=row]");
        if (state) { params.append("row", state.value); }
      } else {
        params.append("repo", row.getAttribute("data-repo"));
      }
    });
    var lane = document.createElement("span");
    lane.hidden = true;
    box.appendChild(lane);
    lanes.push(lane);
    var ids = batch.rows.map(function (row) { return row.id; });
    function done(failed) {
      lanes = lanes.filter(function (other) { return other !== lane; });
      lane.remove();
      var later = false;
      ids.forEach(function (id) {
        delete asked[id];
        var row = document.getElementById(id);
        if (row && row.getAttribute("data-need") === batch.need) {
          notBefore[id] = Date.now() + AGAIN_MS;  // not filled this time: again, later
          later = true;
          if (failed) { sayNotLoaded(row); }
        }
      });
      setTimeout(pump, 0);
      // Asked again once its wait is over, even if nothing else (a scroll, another batch)
      // pumps by then: the last batch's rows were left waiting for good.
      if (later) { setTimeout(pump, AGAIN_MS + 50); }
    }
    lane.addEventListener("htmx:responseError", function () { lane.failed = true; });
    lane.addEventListener("htmx:sendError", function () { lane.failed = true; });
    htmx.ajax("GET", url + "?" + params.toString(), {source: lane, target: lane, swap: "none"})
      .then(function () { done(!!lane.failed); }, function () { done(true); });
  }

  function sayNotLoaded(row) {
    var note = row.querySelector(".pending");
    if (note) { note.textContent = "details could not be loaded; trying again…"; }
  }

  // Whether a row is drawn that the counts do not know yet. A batch's rows are swapped in
  // when its answer comes, and its promise resolves then (a pump follows), but htmx fires
  // htmx:load on them (remember) only when they settle, a moment later: until then the counts
  // lack what those rows say (a stuck sync just found, say).
  function uncounted(box) {
    var rows = box.querySelectorAll("tr[data-status]");
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      if (row.hasAttribute("data-counted") || known[row.id] !== countedKey(row)) { return true; }
    }
    return false;
  }

  // The stuck count is "?" while running or failed rows that may be stuck are still being
  // asked (they go first): then, once every row drawn is counted, the number it kept
  // underneath (unless a namespace could not be listed: see unknownZeros).
  function stuckChecks(box) {
    var checking = box.querySelectorAll('tr[data-stuck-check][data-need="details"]').length;
    var note = document.getElementById("stuck-note");
    if (note) {
      note.hidden = checking === 0;
      var words = note.querySelector("[data-stuck-checking]");
      if (words) {
        words.textContent = checking + " running or failed mirror" + (checking === 1 ? "" : "s");
      }
    }
    var count = document.querySelector('[data-count-for="stuck"] .count');
    // Rows known from mirror health alone, running: whether they are stuck is not known.
    var unknown = box.querySelectorAll("tr[data-stuck-unknown]").length;
    var why = document.getElementById("stuck-unknown-note");
    if (why) {
      why.hidden = unknown === 0;
      var syncs = why.querySelector("[data-stuck-unknown]");
      if (syncs) {
        syncs.textContent = unknown + " running or queued sync" + (unknown === 1 ? "" : "s");
      }
    }
    if (!count) { return; }
    if (unknown > 0) { checking = Math.max(checking, 1); }
    // Running or failed rows the status filter leaves out (never asked on this page).
    var left = Number(count.parentNode.getAttribute("data-unchecked") || 0);
    if (left > 0) { checking = Math.max(checking, 1); }
    var incomplete = document.getElementById("counts-incomplete");
    if (checking === 0 && count.textContent === "?" &&
        !(incomplete && incomplete.textContent.trim()) && !uncounted(box)) {
      count.textContent = count.getAttribute("data-n") || "0";
    } else if (checking > 0 && count.textContent === "0") {
      // A row to check came since (a press, the listing): 0 is not known again.
      count.setAttribute("data-n", "0");
      count.textContent = "?";
    }
  }

  // Late and "will not run again" (data-fresh on each counted row): counted again from the
  // rows once every row is drawn. A zero is "?" while some row may be one but is not known
  // to be ("unknown": its last success not known; "none": nothing known, no settings).
  function freshCounts(box) {
    if (!listed()) { return; }
    var held = heldUncounted(box);
    var rows = box.querySelectorAll("tr[data-fresh]:not([data-uncounted])");
    var n = {"late": 0, "never-again": 0, "unknown": 0, "none": 0};
    for (var i = 0; i < rows.length; i++) {
      var key = rows[i].getAttribute("data-fresh");
      if (key in n) { n[key] += 1; }
    }
    var unknown = {"late": n.unknown + n.none, "never-again": n.none};
    var incomplete = document.getElementById("counts-incomplete");
    var partial = !!(incomplete && incomplete.textContent.trim());
    ["late", "never-again"].forEach(function (key) {
      var link = document.querySelector('[data-fresh-count="' + key + '"]');
      var count = link && link.querySelector(".count");
      if (!count) { return; }
      // Will not run again: not known while a row's settings are not read (every cancelled
      // row among them may be one); late says beside it for how many it is not known.
      var open = (key === "never-again" && unknown[key] > 0) ||
        (n[key] === 0 && (unknown[key] > 0 || partial || held > 0));
      count.textContent = open ? "?" : String(n[key]);
      var item = link.closest("li");
      if (item && !item.hasAttribute("data-always")) { item.hidden = n[key] === 0 && unknown[key] === 0; }
    });
    var note = document.getElementById("fresh-unknown-note");
    if (note) {
      note.hidden = unknown.late === 0;
      var words = note.querySelector("[data-fresh-unknown]");
      if (words) { words.textContent = unknown.late + " mirror" + (unknown.late === 1 ? "" : "s"); }
    }
  }

  // Rows held until their details tell whether they match the filters; the empty state.
  function holdings() {
    var box = results();
    if (!box || !box.hasAttribute("data-lazy")) { return; }
    var held = box.querySelectorAll("tr[data-held]").length;
    var pending = box.querySelectorAll('tr[data-need="details"]:not([data-held])').length;
    var coming = document.getElementById("pending-note");
    if (coming) {
      coming.hidden = pending === 0;
      var number = coming.querySelector("[data-pending-count]");
      if (number) { number.textContent = String(pending); }
    }
    var note = document.getElementById("held-note");
    if (note) {
      note.hidden = held === 0;
      var count = note.querySelector("[data-held-count]");
      if (count) { count.textContent = String(held); }
    }
    heldZeros(held);
    showTotal();
    stuckChecks(box);
    freshCounts(box);
    var empty = document.getElementById("empty");
    if (empty && listed()) {
      var shown = box.querySelectorAll(
        "tbody tr[data-status]:not([hidden]), tbody tr[data-org-status], .org-setup"
      ).length;
      empty.hidden = shown > 0 || held > 0;
    }
  }

  function start() {
    known = {}; ranks = {}; visible = {}; asked = {}; notBefore = {};
    if (observer) { observer.disconnect(); }
    observer = "IntersectionObserver" in window ? new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) { visible[entry.target.id] = true; } else { delete visible[entry.target.id]; }
      });
      pump();
    }, {rootMargin: "200px 0px"}) : null;
    remember(document, true);
    var box = results();
    heldZeros(heldUncounted(box));
    showTotal();
    pump();
  }

  document.addEventListener("DOMContentLoaded", start);
  // The filters ask for new results: the old ones say they are being replaced.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var target = event.detail.target;
    if (target && target.id === "results") { target.setAttribute("aria-busy", "true"); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var target = event.detail.target;
    if (target && target.id === "results") { target.setAttribute("aria-busy", "false"); }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    // New results (the filters changed): the batches of the old ones are of no use.
    if (event.detail.target && event.detail.target.id === "results") {
      lanes.forEach(function (lane) { htmx.trigger(lane, "htmx:abort"); });
      lanes = [];
    }
  });
  document.addEventListener("htmx:load", function (event) {
    var target = event.target;
    if (target.id === "results" || (target.querySelector && target.querySelector("#results"))) {
      start();
      return;
    }
    remember(target, false);
    unknownZeros();
    showTotal();
    setTimeout(pump, 0);
  });
  // An older answer never replaces a newer one (a refresh read before a press, say).
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var target = event.detail.target;
    var incoming = event.detail.fragment && event.detail.fragment.firstElementChild;
    if (!target || !incoming || target.tagName !== "TR" || !incoming.hasAttribute("data-at")) { return; }
    if (Number(incoming.getAttribute("data-at")) < Number(target.getAttribute("data-at") || 0)) {
      event.detail.shouldSwap = false;
    }
  });
  // The results of a batch fill "Last result" cells: their rows need nothing more.
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var cell = event.target;
    if (cell && cell.matches && cell.matches("td.last-result[data-done]")) {
      var row = cell.closest("tr");
      if (row && row.getAttribute("data-need") === "results") { row.removeAttribute("data-need"); }
    }
  });

  // -- 3. the listing and the refresh, when the dashboard does not answer --------------------
  function failed(event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "listed") {
      elt.setAttribute("data-listed", "");
      elt.innerHTML = '<tr class="listing"><td colspan="9"><p class="message message-error" role="alert">' +
        "The other repositories could not be listed: the dashboard did not answer. " +
        '<a href="">Try again</a></p></td></tr>';
      pump();
    } else if (elt && elt.id === "refresh") {
      stale(elt, "the dashboard did not answer");
    }
  }

  function stale(elt, why) {
    var asOf = elt.getAttribute("data-as-of");
    var when = asOf ? new Date(asOf).toLocaleTimeString([], {hour12: false}) : "";
    elt.classList.add("stale");
    elt.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = when ? "As of " + when : "Not up to date";
    elt.appendChild(strong);
    elt.appendChild(document.createTextNode(" — could not refresh (" + why + "), trying again by itself."));
  }

  // The refresh sends the state of every watched row, in one field (a tab may watch more rows
  // than a request may have fields).
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "refresh") { return; }
    var inputs = document.querySelectorAll("#results tr[data-watch]:not([hidden]) input[name=row]");
    var states = [];
    for (var i = 0; i < inputs.length; i++) { states.push(inputs[i].value); }
    event.detail.parameters["rows"] = states.join("\n");
  });

  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);
})();

// Bulk selection shortcuts (a header checkbox, "all failed", "all stuck") and the bulk result:
// it lands in #messages at the top of the page, and the focus goes there. The bar shows while
// a row in sight can be selected (rows get their checkbox when their details come, and the
// filters may hide rows that have one), and the shortcuts pick rows in sight only. Without JS
// the shortcuts stay hidden and the result comes back on the page the press was made on.
(function () {
  "use strict";
  var ALL = 'input[type=checkbox][name=repo][form=bulk], input[type=checkbox][name=org][form=bulk]';
  function shown(box) {
    var row = box.closest("tr");
    return !row || !row.hidden;
  }
  function boxes() {
    return Array.prototype.filter.call(document.querySelectorAll(ALL), shown);
  }
  function update() {
    var none = boxes().length === 0;
    var bar = document.querySelectorAll("#bulk, [data-select-all], [data-select-shortcuts]");
    for (var i = 0; i < bar.length; i++) { bar[i].hidden = none; }
  }
  document.addEventListener("DOMContentLoaded", update);
  document.addEventListener("htmx:load", update);
  document.addEventListener("htmx:afterSettle", update);
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
      var status = row && (row.getAttribute("data-status") || row.getAttribute("data-org-status"));
      all[i].checked = !!key && status === key;
    }
    var header = document.querySelector("[data-select-all]");
    if (header) { header.checked = false; }
  });
  // Bulk Cancel's question speaks of what is ticked: repository mirrors only, organization
  // mirrors only (the button's data-confirm-repos / -orgs), or both (its hx-confirm).
  document.addEventListener("htmx:confirm", function (event) {
    var button = event.detail.elt;
    if (!button.matches || !button.matches("#bulk [data-confirm-repos]")) { return; }
    var ticked = Array.prototype.filter.call(document.querySelectorAll(ALL), function (box) {
      return box.checked;  // in sight or not: every ticked box is posted
    });
    var repos = ticked.some(function (box) { return box.name === "repo"; });
    var orgs = ticked.some(function (box) { return box.name === "org"; });
    if (repos === orgs) { return; }  // both, or none ticked: hx-confirm's words
    event.preventDefault();
    var question = button.getAttribute(repos ? "data-confirm-repos" : "data-confirm-orgs");
    if (window.confirm(question)) { event.detail.issueRequest(true); }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "messages") {
      var result = event.detail.target.querySelector(".bulk-results");
      if (result) {
        result.focus(); result.scrollIntoView({block: "nearest"});
        // Done with the selection: the boxes are not left ticked for a second press.
        if (!result.classList.contains("message-error")) {
          var all = boxes();
          for (var i = 0; i < all.length; i++) { all[i].checked = false; }
          var header = document.querySelector("[data-select-all]");
          if (header) { header.checked = false; }
        }
      }
    }
  });
})();

// The filter bar's fold (a phone's "Filters"): its summary says how many of the filters in it
// are set, as they change (the server says it on every page drawn, for a browser without JS).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var fold = event.target.closest && event.target.closest("details.filter-more");
    var said = fold && fold.querySelector("[data-filters-set]");
    if (!said) { return; }
    var fields = fold.querySelectorAll("select, input[type=checkbox]");
    var set = 0;
    for (var i = 0; i < fields.length; i++) {
      if (fields[i].type === "checkbox" ? fields[i].checked : fields[i].value) { set++; }
    }
    said.textContent = set ? " (" + set + " active)" : "";
  });
})();
