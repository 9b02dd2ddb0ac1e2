"""A row's HTML, drawn once for everyone it is the same for.

Drawing a row costs the dashboard about half a millisecond; twenty people opening an overview
of 1,000 mirrors at once drew 20,000 rows that were, but for a few, the same. A row's HTML
(``overview.html#row``) is a function of the row alone (a frozen dataclass: its status, its
settings, what the person may do with it) and of the page it is on (the address a press
returns to), but for the CSRF token of its forms, which is the person's: the row is drawn
with a placeholder there and the person's token is put in as it is served.

The drawings are kept in this process (a bounded LRU, ``OVERVIEW_ROW_CACHE_ROWS``) keyed by
the whole row: a row that differs in anything -- a status, a word of its detail ("3 h ago"
becoming "4 h ago"), a right of the person's -- is another key, so a drawing can never be
stale nor shown to someone whose row would be drawn otherwise.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from typing import Any

from django.conf import settings
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from dashboard.mirrors.overview.rows import Row
from dashboard.mirrors.rules.status import CANCEL_WARNING

#: Stands for the person's CSRF token in a kept drawing: drawn afresh for each process, so
#: that no text of a row (a reason, a source: Quay's words) can hold it.
SLOT = f"csrf-slot-{secrets.token_hex(16)}"

_ROW = "mirrors/overview.html#row"
_lock = threading.Lock()
_kept: OrderedDict[Hashable, str] = OrderedDict()
_drawing: dict[Hashable, threading.Event] = {}
#: How long a page waits for another's drawing of a row before drawing it itself.
_WAIT_SECONDS = 5.0


def row_html(row: Row, context: Mapping[str, Any]) -> SafeString:
    """``row`` drawn as on the page of ``context`` (its ``back``, ``oob`` and ``csrf_token``)."""
    back, oob = str(context.get("back") or ""), bool(context.get("oob"))
    key = (row, back, oob, _zone(context))
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
        else:  # one draws it; whoever wants it meanwhile waits for that drawing
            drawing = _drawing.get(key)
            mine = drawing is None
            if mine:
                drawing = _drawing[key] = threading.Event()
    if html is None:
        assert drawing is not None
        if mine:
            try:
                html = _draw(row, back, oob)
                _keep(key, html)
            finally:
                with _lock:
                    _drawing.pop(key, None)
                drawing.set()
        else:
            drawing.wait(_WAIT_SECONDS)
            with _lock:
                html = _kept.get(key)
            if html is None:  # not kept (OVERVIEW_ROW_CACHE_ROWS 0), or the drawing failed
                html = _draw(row, back, oob)
    if SLOT in html:
        html = html.replace(SLOT, str(context.get("csrf_token") or ""))
    return mark_safe(html)  # noqa: S308 -- drawn by the template, which escapes


def _zone(context: Mapping[str, Any]) -> str:
    """The active time zone's name (the times of a row are drawn in it), looked up once a
    page."""
    render = getattr(context, "render_context", None)
    if render is None:
        return timezone.get_current_timezone_name()
    if _ZONE not in render:
        render[_ZONE] = timezone.get_current_timezone_name()
    return render[_ZONE]


_ZONE = object()


def _draw(row: Row, back: str, oob: bool) -> str:
    context = {
        "row": row,
        "back": back,
        "oob": oob,
        "cancel_warning": CANCEL_WARNING,
        "csrf_token": SLOT,
    }
    return get_template(_ROW).render(context)


def _keep(key: Hashable, html: str) -> None:
    limit = settings.OVERVIEW_ROW_CACHE_ROWS
    if limit <= 0:
        return
    with _lock:
        _kept[key] = html
        while len(_kept) > limit:
            _kept.popitem(last=False)


def forget() -> None:
    """Drop every kept drawing (tests)."""
    with _lock:
        _kept.clear()
