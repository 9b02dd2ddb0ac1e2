"""Quay's own web pages the dashboard links to (``dashboard/quay/ui.py``): a repository's,
an organization's and a user's, at a tab. The emulator plays Quay's API, not its web UI, so
each answers a small page that says what a real Quay shows there (Quay's UI, a single-page
application, answers 200 for any of its routes too)."""

from __future__ import annotations

from html import escape

from werkzeug.wrappers import Response

from . import pages
from .auth import Ctx

#: What Quay's UI opens at each ``?tab=`` the dashboard links (matched case-insensitively).
TABS = {
    "mirroring": "its Mirroring tab (the mirror's settings, or an organization mirror's)",
    "robotaccounts": "its Robot accounts tab",
}


def _page(ctx: Ctx, kind: str, name: str) -> Response:
    tab = ctx.request.args.get("tab", "")
    where = TABS.get(tab.lower(), "its first tab")
    content = (
        f"<h1>{escape(kind.capitalize())} {escape(name)}</h1>"
        f"<p>A real Quay shows the {escape(kind)} <strong>{escape(name)}</strong> here, at "
        f"{escape(where)}.</p>"
        '<p class="hint">The emulator plays Quay\'s API, not its web UI: this page only says '
        "where a link into Quay's UI leads.</p>"
    )
    return Response(pages.page(f"{kind} {name}", content), content_type="text/html; charset=utf-8")


def repository(ctx: Ctx, namespace: str, name: str) -> Response:
    return _page(ctx, "repository", f"{namespace}/{name}")


def organization(ctx: Ctx, name: str) -> Response:
    return _page(ctx, "organization", name)


def user(ctx: Ctx, name: str) -> Response:
    return _page(ctx, "user", name)
