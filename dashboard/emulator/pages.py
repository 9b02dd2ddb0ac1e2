"""The emulator's few HTML pages (sign-in, OAuth consent, index), as ``string.Template``s."""

from __future__ import annotations

from html import escape
from string import Template

LAYOUT = Template(
    """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title · Quay (emulator)</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #f2f4f7;
         color: #1f2933; margin: 0; }
  header { background: #1b3a5c; color: #fff; padding: 0.8rem 1.5rem; font-weight: 600; }
  header small { font-weight: 400; opacity: 0.75; margin-left: 0.5rem; }
  main { max-width: 34rem; margin: 2.5rem auto; background: #fff; border-radius: 8px;
         box-shadow: 0 1px 4px rgba(0, 0, 0, 0.12); padding: 1.75rem 2rem; }
  h1 { font-size: 1.35rem; margin: 0 0 1rem; }
  label { display: block; margin: 0.8rem 0 0.25rem; font-weight: 600; font-size: 0.9rem; }
  input[type=text], input[type=password] { width: 100%; box-sizing: border-box;
         padding: 0.5rem 0.6rem; border: 1px solid #b8c2cc; border-radius: 4px; font-size: 1rem; }
  button { padding: 0.55rem 1.1rem; border-radius: 4px; border: 1px solid transparent;
           font-size: 0.95rem; cursor: pointer; margin-top: 1.2rem; }
  .primary { background: #2e7d32; color: #fff; }
  .secondary { background: #fff; color: #1f2933; border-color: #b8c2cc; }
  .error { background: #fdecea; color: #8a1c1c; padding: 0.6rem 0.8rem; border-radius: 4px; }
  .hint { color: #52606d; font-size: 0.85rem; }
  ul.scopes { list-style: none; padding: 0; }
  ul.scopes li { border: 1px solid #e4e7eb; border-radius: 6px; padding: 0.6rem 0.8rem;
                 margin-bottom: 0.5rem; }
  ul.scopes li.dangerous { border-color: #e5a000; background: #fff8e6; }
  .scope-title { font-weight: 600; }
  .actions form { display: inline-block; margin-right: 0.5rem; }
  code { background: #f0f2f5; padding: 0 0.25rem; border-radius: 3px; }
</style>
</head>
<body>
<header>Quay <small>emulator</small></header>
<main>
$content
</main>
</body>
</html>
"""
)

SIGNIN = Template(
    """<h1>Log in to Quay</h1>
$error
<form method="post" action="/signin">
  <input type="hidden" name="_csrf_token" value="$csrf">
  <input type="hidden" name="next" value="$next">
  <label for="username">Username</label>
  <input type="text" id="username" name="username" value="$username" autofocus>
  <label for="password">Password</label>
  <input type="password" id="password" name="password">
  <button type="submit" class="primary">Sign in</button>
</form>
<p class="hint">Demo users: alice, bob, carol, dave &mdash; password <code>password</code>.</p>
"""
)

CONSENT = Template(
    """<h1>Authorize $app</h1>
<p><strong>$app</strong> (organization <strong>$org</strong>) is requesting access to your
account <strong>$username</strong>:</p>
<ul class="scopes">
$scopes
</ul>
$warning
<div class="actions">
<form method="post" action="/oauth/authorizeapp">
<input type="hidden" name="response_type" value="$response_type">
<input type="hidden" name="client_id" value="$client_id">
<input type="hidden" name="redirect_uri" value="$redirect_uri">
<input type="hidden" name="scope" value="$scope">
<input type="hidden" name="_csrf_token" value="$csrf">
$state_input
<button type="submit" class="primary">Authorize Application</button>
</form>
<form method="post" action="/oauth/denyapp">
<input type="hidden" name="client_id" value="$client_id">
<input type="hidden" name="redirect_uri" value="$redirect_uri">
<input type="hidden" name="scope" value="$scope">
<input type="hidden" name="_csrf_token" value="$csrf">
$state_input
<button type="submit" class="secondary">Deny</button>
</form>
</div>
"""
)

INDEX = Template(
    """<h1>Quay emulator</h1>
<p>A stand-in for Quay's API for the Mirror Dashboard demo and tests.</p>
<p>$who</p>
<p class="hint">API under <code>/api/v1</code>, OAuth under <code>/oauth</code>,
control API under <code>/_emulator</code>.</p>
"""
)

FORBIDDEN_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>403 Forbidden</title>\n<h1>Forbidden</h1>\n"
    "<p>You don&#39;t have the permission to access the requested resource. It is either "
    "read-protected or not readable by the server.</p>\n"
)
UNAUTHORIZED_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>401 Unauthorized</title>\n<h1>Unauthorized</h1>\n"
    "<p>The server could not verify that you are authorized to access the URL requested. You "
    "either supplied the wrong credentials (e.g. a bad password), or your browser doesn&#39;t "
    "understand how to supply the credentials required.</p>\n"
)
NOT_FOUND_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again.</p>\n"
)


def page(title: str, content: str) -> str:
    return LAYOUT.substitute(title=escape(title), content=content)


def signin_page(csrf: str, next_url: str, username: str = "", error: str = "") -> str:
    error_html = f'<p class="error">{escape(error)}</p>' if error else ""
    content = SIGNIN.substitute(
        error=error_html, csrf=escape(csrf), next=escape(next_url), username=escape(username)
    )
    return page("Sign in", content)


def consent_page(
    *,
    app: str,
    org: str,
    username: str,
    scopes: list[dict[str, object]],
    fields: dict[str, str],
    csrf: str,
    state: str | None,
) -> str:
    items = "\n".join(
        f'<li class="{"dangerous" if s["dangerous"] else ""}">'
        f'<div class="scope-title">{escape(str(s["title"]))} <code>{escape(str(s["scope"]))}</code>'
        f'</div><div class="hint">{escape(str(s["description"]))}</div></li>'
        for s in scopes
    )
    dangerous = any(s["dangerous"] for s in scopes)
    warning = (
        '<p class="error">This application asks for dangerous permissions: grant them only '
        "if you trust it completely.</p>"
        if dangerous
        else ""
    )
    state_input = (
        f'<input type="hidden" name="state" value="{escape(state)}">' if state is not None else ""
    )
    content = CONSENT.substitute(
        app=escape(app),
        org=escape(org),
        username=escape(username),
        scopes=items,
        warning=warning,
        csrf=escape(csrf),
        state_input=state_input,
        **{key: escape(value) for key, value in fields.items()},
    )
    return page("Authorize application", content)


def index_page(username: str | None) -> str:
    who = (
        f"Signed in as <strong>{escape(username)}</strong>."
        if username
        else 'Not signed in. <a href="/signin?next=/">Sign in</a>'
    )
    return page("Quay emulator", INDEX.substitute(who=who))
