// Small progressive enhancements; every page works without this file.
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

// Enter in a tag-pattern row adds a row (as a list editor does) instead of saving the whole
// mirror; Enter in any other field still saves.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key !== "Enter" || event.isComposing || !input.matches) { return; }
    if (!input.matches("#glob-editor input[name=root_rule]")) { return; }
    var add = document.querySelector("#glob-editor .add-row");
    if (!add) { return; }
    event.preventDefault();
    add.click();
  });
})();
