// Small progressive enhancements; every page works without this file.

// Polling while the tab is visible: an element with data-poll-seconds gets the event md:poll
// (its hx-trigger) every that many seconds while the tab is visible, and at once when the tab
// becomes visible again if it has data-poll-on-visible. (htmx's "every 2s [filter]" would
// need eval, which the Content-Security-Policy forbids.) A swapped-out element stops, and so
// does one answered 286.
(function () {
  "use strict";
  var STOPPED = "stopped";
  function arm(elt) {
    if (elt.mdPoll) { return; }
    var seconds = parseFloat(elt.getAttribute("data-poll-seconds"));
    if (!(seconds > 0)) { return; }
    elt.mdPoll = setInterval(function () {
      if (!elt.isConnected) { clearInterval(elt.mdPoll); return; }
      if (document.visibilityState === "visible") { htmx.trigger(elt, "md:poll"); }
    }, seconds * 1000);
  }
  function scan(root) {
    if (!root || !root.querySelectorAll) { return; }
    if (root.matches("[data-poll-seconds]")) { arm(root); }
    root.querySelectorAll("[data-poll-seconds]").forEach(arm);
  }
  document.addEventListener("htmx:load", function (event) { scan(event.detail.elt); });
  document.addEventListener("DOMContentLoaded", function () { scan(document.body); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") { return; }
    document.querySelectorAll("[data-poll-on-visible]").forEach(function (elt) {
      if (elt.isConnected && elt.mdPoll !== STOPPED) { htmx.trigger(elt, "md:poll"); }
    });
  });
  // An answer 286 ("stop polling", as htmx's own "every" understands it) stops this one.
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    var xhr = event.detail.xhr;
    if (elt && elt.mdPoll && xhr && xhr.status === 286) {
      clearInterval(elt.mdPoll);
      elt.mdPoll = STOPPED;
    }
  });
})();
(function () {
  "use strict";
  // Tell the server the browser's time zone so it can show local times.
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf("tz=" + encodeURIComponent(tz)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(tz) + "; path=/; max-age=31536000; samesite=lax";
    }
  } catch (e) { /* old browser: times stay in UTC, which is labelled */ }

  // Forms that need confirmation carry data-confirm; htmx buttons use hx-confirm.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }  // htmx took the submit (and asked via hx-confirm)
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
})();

// The CSRF token of every request is the one the browser holds now, not the one the page was
// drawn with: signing in again (in this tab or another) rotates it, and a page opened before
// would otherwise be refused, losing what was typed into it.
(function () {
  "use strict";
  function currentToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var token = currentToken();
    if (!token) { return; }
    // The same header name as the body's hx-headers, so the fresh token replaces the old one.
    event.detail.headers["x-csrftoken"] = token;
    // A request that includes a form also carries its hidden token, which Django reads first.
    if (event.detail.verb !== "get" && event.detail.parameters) {
      event.detail.parameters["csrfmiddlewaretoken"] = token;
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var token = currentToken();
    if (!token || !form.querySelector) { return; }
    var field = form.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) { field.value = token; }
  }, true);
})();

// Enter in a pattern row of the glob editor (tags, or an organization's filters) adds a row (as a list editor does) instead of saving the whole
// mirror; Enter in any other field still saves.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || event.isComposing || !input.matches) { return; }
    if (!input.matches("#glob-editor .glob-input input[type=text]")) { return; }
    var add = document.querySelector("#glob-editor .add-row");
    if (!add) { return; }
    event.preventDefault();
    add.click();
  });
})();

// Buttons that call Quay (a form or a button marked data-busy): while the call runs they are
// off (htmx's hx-disabled-elt, or here for forms that post the whole page), say so to
// assistive technology (aria-busy), and after a second the page says "Still waiting for
// Quay…" next to them. Without JavaScript the browser shows that the page is loading.
(function () {
  "use strict";
  var SLOW_MS = 1000;
  var WAITING = "Still waiting for Quay…";

  function place(form) {
    return form.closest("td, .status-actions, .form-actions, .bulk") || form;
  }

  function busy(form, on, submitter) {
    var buttons = on && submitter ? [submitter] : form.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) {
      if (on) { buttons[i].setAttribute("aria-busy", "true"); } else { buttons[i].removeAttribute("aria-busy"); }
    }
    var note = form.querySelector(".busy-note") || place(form).querySelector(".busy-note");
    clearTimeout(form.mdSlow);
    if (note) { note.textContent = ""; }
    if (on && note) { form.mdSlow = setTimeout(function () { note.textContent = WAITING; }, SLOW_MS); }
  }

  function busyForm(elt) {
    return elt && elt.closest ? elt.closest("form[data-busy]") : null;
  }

  // A disabled button loses the focus: it goes back to the button of the same id (the
  // answer's) once the answer is in, so a keyboard user stays where they were.
  var refocus = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = busyForm(event.detail.elt);
    var config = event.detail.requestConfig;
    var cause = config && config.triggeringEvent;
    if (!form) { return; }
    var active = document.activeElement;
    if (active && active.id && form.contains(active)) { refocus = {form: form, id: active.id}; }
    busy(form, true, cause && cause.submitter ? cause.submitter : null);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var config = event.detail.requestConfig;  // (detail.elt is the new content here)
    if (!refocus || !config || busyForm(config.elt) !== refocus.form) { return; }
    var again = document.getElementById(refocus.id);
    var lost = !document.activeElement || document.activeElement === document.body;
    if (again && lost) { again.focus(); }
    refocus = null;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = busyForm(event.detail.elt);
    if (form) { busy(form, false); }
  });

  // A form that posts the whole page: off once sent (its data is already taken), so a
  // second press cannot send it twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    if (event.defaultPrevented || form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) { return; }
    if (!form.hasAttribute("data-busy") && !(submitter && submitter.hasAttribute("data-busy"))) { return; }
    setTimeout(function () {
      var buttons = form.querySelectorAll("button[type=submit], button:not([type])");
      for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
      busy(form, true, submitter);
    }, 0);
  });
  // Back to a page kept by the browser: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    var buttons = document.querySelectorAll("button[aria-busy]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = false;
      buttons[i].removeAttribute("aria-busy");
    }
    var notes = document.querySelectorAll(".busy-note");
    for (var j = 0; j < notes.length; j++) { notes[j].textContent = ""; }
  });
})();
