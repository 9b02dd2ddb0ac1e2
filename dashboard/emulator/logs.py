"""Quay's usage logs: a repository's, a whole namespace's, and their counts per kind per day.

After ``endpoints/api/logs.py`` and the database logs model (``data/logs_model/
table_logs_model.py``, ``data/model/log.py``, Quay's default ``LOGS_MODEL``):

* ``starttime`` / ``endtime`` are days (``MM/DD/YYYY``, UTC); without them the window runs from
  "now" a day ago to "now" a day ahead; ``endtime``'s day is included. An end before the start
  is a bare 400 (``abort(400)``): ``{"message": "The browser (or proxy) sent …"}``.
* Entries come newest first, 20 a page. ``next_page`` is a position (the moment and row of the
  next entry), so entries written meanwhile never shift the pages a client is reading.
* Quay keeps its log in three tables and pages through them one after the other: the last page
  of the current table still carries a ``next_page`` (into the next, empty table), and the page
  it leads to is empty, without one (``quirks``; real Quay's 105 entries took 7 calls).
* ``/organization/{org}/logs`` is the namespace's whole log, every repository's entries and the
  organization's own, for its admins (``org:admin`` scope); a user's own namespace counts as an
  organization they administer. ``performer`` filters by who acted; a name that is no user or
  robot makes the listing fail (500) and is ignored by the counts (``quirks``).
* ``/user/logs`` is the caller's namespace for a token with ``user:admin`` only.
* ``aggregatelogs`` answers ``{"aggregated": [{kind, count, datetime}]}`` per kind and day over
  at most 31 days (400 ``Invalid date range for logs``); the day is rebuilt from the start's
  month (``quirks``: a day past the end of that month makes Quay fail with 500).
"""

from __future__ import annotations

import bisect
import calendar
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from werkzeug.wrappers import Response

from .auth import Ctx, existing_repo, has_scope, require_repo, require_scope, require_user
from .faults import fault_response
from .responses import (
    ApiError,
    decode_token,
    encode_token,
    forbidden,
    format_date,
    json_response,
    message_error,
)
from .state import LogEntry, State, User, avatar, log_key

LOGS_PER_PAGE = 20
#: ``MAXIMUM_RANGE_SIZE`` of the database logs model (``get_aggregated_log_counts``).
MAX_AGGREGATE_RANGE = timedelta(days=31)
#: Werkzeug's description of a bare 400, which Quay's API answers as ``{"message": …}``.
BAD_REQUEST = "The browser (or proxy) sent a request that this server could not understand."
#: The token of the page after the last one: Quay's next table, which is empty.
PAST_THE_END = {"table": 1}


# ------------------------------------------------------------------- reading


def _parse_day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%m/%d/%Y")
    except ValueError:
        return None


def log_window(ctx: Ctx) -> tuple[datetime, datetime]:
    """Quay's ``_validate_logs_arguments``: ``[start, end)``, a bare 400 when end < start."""
    args = ctx.request.args
    start = _parse_day(args.get("starttime")) or (ctx.now - timedelta(days=1))
    end = (_parse_day(args.get("endtime")) or ctx.now) + timedelta(days=1)
    if end < start:
        raise message_error(BAD_REQUEST)
    return start, end


def _when(entry: LogEntry) -> datetime:
    return entry.when


def _newest_first(
    entries: Sequence[LogEntry],
    start: datetime,
    end: datetime,
    before: tuple[datetime, int] | None,
    performer: str | None,
) -> Iterator[LogEntry]:
    """The entries of ``[start, end)`` (up to and including the position ``before``), newest
    first; only as many are looked at as are taken (all of them with a performer filter)."""
    low = bisect.bisect_left(entries, start, key=_when)
    high = bisect.bisect_left(entries, end, key=_when)
    if before is not None:
        high = min(high, bisect.bisect_right(entries, before, key=log_key))
    for index in range(high - 1, low - 1, -1):
        entry = entries[index]
        if performer is None or entry.performer == performer:
            yield entry


def _position(token: dict[str, Any]) -> tuple[datetime, int] | None:
    try:
        return datetime.fromisoformat(str(token["at"])), int(token["row"])
    except (KeyError, TypeError, ValueError):
        return None


def entry_view(entry: LogEntry) -> dict[str, Any]:
    """Quay's ``Log.to_dict`` (without the namespace, which a namespace's log leaves out)."""
    view: dict[str, Any] = {
        "kind": entry.kind,
        "metadata": entry.metadata,
        "ip": entry.ip,
        "datetime": format_date(entry.when),
    }
    if entry.performer:
        robot = "+" in entry.performer
        view["performer"] = {
            "kind": "user",
            "name": entry.performer,
            "is_robot": robot,
            "avatar": avatar(entry.performer, "robot" if robot else "user"),
        }
    return view


def log_page(ctx: Ctx, entries: Sequence[LogEntry], performer: str | None = None) -> Response:
    """One page of a log sorted by ``log_key``: ``{start_time, end_time, logs, next_page?}``."""
    start, end = log_window(ctx)
    body: dict[str, Any] = {
        "start_time": format_date(start),
        "end_time": format_date(end),
        "logs": [],
    }
    token = decode_token(ctx.request.args.get("next_page"))
    if token == PAST_THE_END:
        return json_response(body)
    before = _position(token) if token else None
    page: list[LogEntry] = []
    for entry in _newest_first(entries, start, end, before, performer):
        page.append(entry)
        if len(page) > LOGS_PER_PAGE:
            break
    body["logs"] = [entry_view(entry) for entry in page[:LOGS_PER_PAGE]]
    if len(page) > LOGS_PER_PAGE:
        following = page[LOGS_PER_PAGE]
        body["next_page"] = encode_token({"at": following.when.isoformat(), "row": following.seq})
    elif page and ctx.state.options.quirks:
        body["next_page"] = encode_token(PAST_THE_END)
    return json_response(body)


# ---------------------------------------------------------------- aggregates


def _add_month(day: datetime) -> datetime:
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def _aggregate_day(state: State, start: datetime, when: datetime) -> datetime:
    """The day Quay files a count under: the entry's day of the month in the start's month, a
    month later when that day comes before the start's (its ``synthetic_date``)."""
    if not state.options.quirks:
        return datetime(when.year, when.month, when.day)
    try:
        day = datetime(start.year, start.month, when.day)
    except ValueError:  # e.g. the 31st counted in a 30-day month: Quay fails
        raise ApiError(fault_response(500)) from None
    return _add_month(day) if day.day < start.day else day


def aggregate(ctx: Ctx, entries: Sequence[LogEntry], performer: str | None = None) -> Response:
    """``{"aggregated": [{kind, count, datetime}]}``: entries per kind per day of the window."""
    start, end = log_window(ctx)
    if end - start > MAX_AGGREGATE_RANGE:
        raise message_error("Invalid date range for logs")
    counts: Counter[tuple[datetime, str]] = Counter()
    for entry in _newest_first(entries, start, end, None, performer):
        counts[(_aggregate_day(ctx.state, start, entry.when), entry.kind)] += 1
    rows = [
        {"kind": kind, "count": count, "datetime": format_date(day)}
        for (day, kind), count in sorted(counts.items())
    ]
    return json_response({"aggregated": rows})


# ------------------------------------------------------------------ who reads


def _performer(ctx: Ctx, *, listing: bool) -> str | None:
    """The ``performer`` filter. Quay looks the name up among users and robots: the listing
    fails on one it does not find, the counts then count everyone (``quirks``)."""
    name = ctx.request.args.get("performer") or None
    state = ctx.state
    if name is None or name in state.users or name in state.robots:
        return name
    if not state.options.quirks:
        return name  # nobody acted under that name: nothing matches
    if listing:
        raise ApiError(fault_response(500))
    return None


def _namespace_reader(ctx: Ctx, namespace: str) -> User:
    """``/organization/{namespace}/…``: the ``org:admin`` scope, then its admins (a user is the
    admin of their own namespace) or a superuser; 400 for a namespace that does not exist."""
    user = require_scope(ctx, "org:admin")
    state = ctx.state
    is_admin = state.role(user.username, namespace) == "admin"
    if not (is_admin or user.global_readonly_superuser or user.superuser):
        raise forbidden(ctx.request)
    if not state.namespace_exists(namespace):
        raise message_error(f"Invalid namespace requested: {namespace}")
    return user


def _user_admin(ctx: Ctx) -> User:
    """``require_user_admin``: the caller's own namespace, with the ``user:admin`` scope."""
    user = require_user(ctx)
    if not has_scope(ctx, "user:admin"):
        raise forbidden(ctx.request)
    return user


def _namespace_entries(state: State, namespace: str) -> Sequence[LogEntry]:
    return state.namespace_logs.get(namespace, ())


# ------------------------------------------------------------------- handlers


def repository_logs(ctx: Ctx, namespace: str, name: str) -> Response:
    require_repo(ctx, namespace, name, "admin", readonly_ok=True)
    return log_page(ctx, existing_repo(ctx, namespace, name).logs)


def repository_aggregate(ctx: Ctx, namespace: str, name: str) -> Response:
    require_repo(ctx, namespace, name, "admin", readonly_ok=True)
    return aggregate(ctx, existing_repo(ctx, namespace, name).logs)


def organization_logs(ctx: Ctx, org: str) -> Response:
    _namespace_reader(ctx, org)
    entries = _namespace_entries(ctx.state, org)
    return log_page(ctx, entries, _performer(ctx, listing=True))


def organization_aggregate(ctx: Ctx, org: str) -> Response:
    _namespace_reader(ctx, org)
    entries = _namespace_entries(ctx.state, org)
    return aggregate(ctx, entries, _performer(ctx, listing=False))


def user_logs(ctx: Ctx) -> Response:
    user = _user_admin(ctx)
    entries = _namespace_entries(ctx.state, user.username)
    return log_page(ctx, entries, _performer(ctx, listing=True))


def user_aggregate(ctx: Ctx) -> Response:
    user = _user_admin(ctx)
    entries = _namespace_entries(ctx.state, user.username)
    return aggregate(ctx, entries, _performer(ctx, listing=False))
