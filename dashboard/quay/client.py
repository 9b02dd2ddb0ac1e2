"""The one place that speaks HTTP to Quay.

Every call carries the signed-in person's own OAuth token, has a timeout, and either returns a
typed result or raises a typed :class:`~dashboard.quay.errors.QuayError`.

API reference: https://docs.projectquay.io/api_quay.html (and ``shared/reference`` for where
the real server differs from it: 204 on sync-now/cancel, ``rule_kind``/``rule_value``, ...).
"""

from __future__ import annotations

import copy
import http.cookiejar
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any, Self
from urllib.parse import quote

import requests
import urllib3
from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from requests.adapters import HTTPAdapter

from dashboard import metrics

from . import __version__, names, tokens
from .answers import UNREADABLE, read_placeable, reads_answer
from .budget import MAX_RATE_LIMIT_RETRIES, CallBudget, call_budget, retry_after_seconds
from .errors import (
    QuayBusy,
    QuayDropped,
    QuayError,
    QuayForbidden,
    QuayNotFound,
    QuayOutOfTime,
    QuayRateLimited,
    QuayTimeout,
    QuayUnauthorized,
    QuayUnexpected,
    QuayUnreachable,
    QuayUnsendableToken,
    error_for,
)
from .models import (
    LogCount,
    LogEntry,
    MirrorConfig,
    MirrorHealth,
    OrganizationView,
    QuayUser,
    RegistryCapabilities,
    Repository,
    RepositoryState,
    Robot,
    Tag,
    to_api,
)
from .org_client import OrgMirrorCalls

logger = logging.getLogger(__name__)

# Quay refuses browser-like User-Agents without X-Requested-With: we say who we are.
USER_AGENT = f"mirror-dashboard/{__version__} (+python-requests)"
_MAX_PAGES = 100
#: Rows per page of mirror health details (Quay's maximum ``limit``).
HEALTH_PAGE_SIZE = 1000
#: At most this many pages of a usage log are read for one list (20 entries a page).
MAX_LOG_PAGES = 25
ADMIN = "repo:admin"
#: The scope of a namespace's own calls (its usage log, its robots).
ORG_ADMIN = "org:admin"
#: The scope a refused mirror health names (``repo:create`` would do as well).
HEALTH_SCOPE = "org:admin"
#: A write is sent only with at least this long (or half its timeout) left to answer in.
WRITE_TIME_FLOOR = 2.0
#: How long Quay's registry capabilities are kept (they change only with a Quay restart).
CAPABILITIES_SECONDS = 600
#: Seconds a request gets at least, however little of its timeout is left.
MIN_TIMEOUT = 0.001


def _dropped(exc: requests.ConnectionError) -> bool:
    """The connection was closed or reset after the request went out on it (a kept-alive
    connection the server closed just then), as opposed to one that could not be opened."""
    cause = exc.args[0] if exc.args else None
    return isinstance(
        cause, urllib3.exceptions.ProtocolError | ConnectionResetError | BrokenPipeError
    )


def _new_session() -> requests.Session:
    session = requests.Session()
    # Never read the environment: requests would look up proxy variables and ~/.netrc on
    # every call (a tenth of the overview's CPU), and a ~/.netrc entry for Quay's host would
    # replace the person's token. Proxies come from QUAY_HTTPS_PROXY / QUAY_HTTP_PROXY.
    session.trust_env = False
    for scheme, proxy in (("https", settings.QUAY_HTTPS_PROXY), ("http", settings.QUAY_HTTP_PROXY)):
        if proxy:
            session.proxies[scheme] = proxy
    # Shared by every person's calls: never keep a cookie Quay sets for one of them.
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(32, settings.QUAY_MAX_PARALLEL * 2))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    session.headers["Accept"] = "application/json"
    return session


_session_lock = threading.Lock()
_sessions: dict[str, requests.Session] = {}
PROXY_SETTINGS = ("QUAY_HTTPS_PROXY", "QUAY_HTTP_PROXY")


def http_session() -> requests.Session:
    """The pooled HTTP session (connections are reused across requests and threads)."""
    with _session_lock:
        if "default" not in _sessions:
            _sessions["default"] = _new_session()
        return _sessions["default"]


@receiver(setting_changed)
def _new_proxies(*, setting: str, **_: Any) -> None:
    """Tests change a proxy setting: the next call builds a session that uses it."""
    if setting in PROXY_SETTINGS:
        with _session_lock:
            _sessions.clear()


#: Answers the dashboard expects and puts in words on the page (a refusal, "no such thing",
#: a token signed out): not for an operator's log. Quay failing (5xx) is.
_EXPECTED_STATUSES = frozenset({401, 403, 404})


def _log_level(status: int) -> int:
    if status in _EXPECTED_STATUSES:
        return logging.DEBUG
    return logging.WARNING if status >= 500 else logging.INFO


def _quay_day(value: datetime) -> str:
    """A day as Quay's logs API takes it: ``%m/%d/%Y`` in UTC."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%m/%d/%Y")


def _quay_day_of(day: date) -> str:
    return day.strftime("%m/%d/%Y")


def _repo_path(namespace: str, name: str) -> str:
    """``repository/ns/name``, for names Quay allows only: any other name (``..``, a space, a
    shadowed pair like ``mirror/health``) would reach another of Quay's routes, so it is
    answered here as Quay would answer a repository it has not, without a call."""
    if not names.valid_repository(namespace, name):
        raise QuayNotFound(
            f"Quay has no repository {namespace}/{name}: it is not a name Quay allows."
        )
    return f"repository/{quote(namespace, safe='')}/{quote(name, safe='')}"


class QuayClient(OrgMirrorCalls):
    """Quay's API as one person sees it (their token, their rights)."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str | None = None,
        timeout: float | None = None,
        budget: CallBudget | None = None,
    ) -> None:
        """``budget``: the calls in flight this client's calls count in; by default the
        process's budget shared by every person (``QUAY_MAX_INFLIGHT``)."""
        self.base_url = (base_url or settings.QUAY_URL).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.QUAY_TIMEOUT
        #: When every call through this client must have ended (``time.monotonic()``): one
        #: action's calls share one timeout (see :meth:`until`); ``None``: each its own.
        self.deadline: float | None = None
        self._token = token
        self._budget = budget

    def __repr__(self) -> str:  # never show the token
        return f"<QuayClient {self.base_url}>"

    def until(self, deadline: float) -> Self:
        """This client (a copy), its calls all ended by ``deadline`` (``time.monotonic()``;
        an earlier deadline it already has stays): a call started later waits only what is
        left, and one with nothing left is not sent (:class:`QuayOutOfTime`)."""
        bounded = copy.copy(self)
        bounded.deadline = deadline if self.deadline is None else min(deadline, self.deadline)
        return bounded

    def time_left(self) -> float:
        """Seconds a call started now may take: the timeout, or less near the deadline."""
        if self.deadline is None:
            return self.timeout
        return min(self.timeout, self.deadline - time.monotonic())

    # -- transport ----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        accept_statuses: tuple[int, ...] = (),
        scope: str | None = None,
        anonymous: bool = False,
    ) -> Any:
        """One call to ``/api/v1/<path>``; the parsed JSON body, or ``None`` when empty.

        ``anonymous``: without the person's token, for what Quay answers everybody alike (it
        checks no token then: ~0.01 s on a real Quay instead of 0.3-0.4 s).

        All of it within ``timeout``: waiting for a slot of the dashboard's call budget
        (budget.py), the request, and the waits 429 answers ask for (``Retry-After``, at most
        ``MAX_RATE_LIMIT_RETRIES`` times). ``scope`` names the OAuth scope the endpoint
        needs, so that a 403 can say which.
        """
        if not anonymous and not tokens.sendable(self._token):
            raise QuayUnsendableToken()
        url = f"{self.base_url}/api/v1/{path}"
        left = self.time_left()
        if left <= 0 or (method != "GET" and left < min(WRITE_TIME_FLOOR, self.timeout / 2)):
            raise QuayOutOfTime(seconds=self.timeout)
        deadline = time.monotonic() + left
        budget = self._budget or call_budget()
        for retries in range(MAX_RATE_LIMIT_RETRIES + 1):
            response = self._send(
                budget, deadline, method, url, params=params, json=json, anonymous=anonymous
            )
            if response.status_code != 429 or 429 in accept_statuses:
                break
            self._wait_out(response, deadline, retries, method, path)

        body = self._body(response)
        if response.status_code < 300 or response.status_code in accept_statuses:
            return body
        logger.log(
            _log_level(response.status_code),
            "Quay answered %s to %s %s",
            response.status_code,
            method,
            path,
        )
        raise error_for(response.status_code, body, scope=scope)

    def _send(
        self,
        budget: CallBudget,
        deadline: float,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        json: Any,
        anonymous: bool = False,
    ) -> requests.Response:
        """One HTTP request, in one of the budget's slots, within what is left of the timeout.

        A write is not sent with too little of its time left (after waiting for a slot, or
        out a 429): it would be bound to time out after Quay may have acted, an outcome
        nobody could know. It is refused as busy instead (``QuayBusy``: not sent)."""
        asked = time.monotonic()
        with budget.slot(deadline):
            left = deadline - time.monotonic()
            if method != "GET" and left < min(WRITE_TIME_FLOOR, self.timeout / 2):
                raise QuayBusy(limit=budget.limit, waited=time.monotonic() - asked)
            try:
                return self._attempts(method, url, params, json, anonymous, deadline)
            except requests.Timeout as exc:
                logger.warning("Quay timed out: %s %s", method, url)
                raise QuayTimeout() from exc
            except requests.exceptions.SSLError as exc:
                logger.warning("TLS error talking to Quay: %s", exc)
                raise QuayUnreachable(
                    "Quay's TLS certificate could not be verified. If Quay uses a private CA, "
                    "set QUAY_CA_BUNDLE to its certificate bundle."
                ) from exc
            except requests.RequestException as exc:
                logger.warning("Quay unreachable: %s %s: %s", method, url, type(exc).__name__)
                raise QuayUnreachable() from exc

    def _attempts(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        anonymous: bool,
        deadline: float,
    ) -> requests.Response:
        """The request. A read whose kept-alive connection Quay closed just as it went out
        (Quay under gunicorn closes one idle for 2 s) is sent once more, on a new connection
        (the pool's idle connections are dropped with it); a write so dropped raises
        :class:`QuayDropped`: Quay may have acted, or not."""
        for attempt in (1, 2):
            try:
                with metrics.quay_call(method, url[len(self.base_url) + 8 :]) as outcome:
                    response = http_session().request(
                        method,
                        url,
                        params=params,
                        json=json,
                        headers={} if anonymous else {"Authorization": f"Bearer {self._token}"},
                        timeout=max(deadline - time.monotonic(), MIN_TIMEOUT),
                        verify=settings.QUAY_CA_BUNDLE or True,
                        allow_redirects=False,
                    )
                    outcome["status"] = str(response.status_code)
                return response
            except (UnicodeError, requests.exceptions.InvalidHeader):
                # The header could not be written: the error's text holds it, token and all.
                raise QuayUnsendableToken() from None
            except requests.ConnectionError as exc:
                if isinstance(exc, requests.Timeout) or not _dropped(exc):
                    raise
                # The pool's other idle connections are as old: none is used again (those in
                # flight finish, and are not kept).
                http_session().get_adapter(url).poolmanager.clear()
                if method != "GET":
                    logger.warning("Quay dropped the connection: %s %s", method, url)
                    raise QuayDropped() from exc
                if attempt == 2 or time.monotonic() >= deadline:
                    raise
                logger.info("Quay dropped the connection: %s %s: asking again", method, url)
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_out(
        self, response: requests.Response, deadline: float, retries: int, method: str, path: str
    ) -> None:
        """Sleep as long as a 429 asks, if that fits in the call's timeout; else raise.

        Quay answers 429 before it processes a call (its rate limiter sits in front of the
        API, its login throttle before any change), so sending a POST or PUT again after a
        429 cannot apply it twice: every method is retried, not only the idempotent ones.
        """
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        if wait is None:
            raise QuayRateLimited()
        if retries >= MAX_RATE_LIMIT_RETRIES:
            raise QuayRateLimited(
                f"Quay is limiting how often the dashboard may call it: it still refused this "
                f"call after the dashboard waited as asked {retries} times. Try again in a "
                "moment.",
                retry_after=wait,
            )
        if time.monotonic() + wait >= deadline:
            raise QuayRateLimited(
                f"Quay is limiting how often the dashboard may call it and asked to wait "
                f"{wait:g} s before trying again, longer than this call may take "
                f"({self.timeout:g} s in all). Try again in {wait:g} s.",
                retry_after=wait,
            )
        logger.info("Quay answered 429 to %s %s: retrying in %g s", method, path, wait)
        time.sleep(wait)

    @staticmethod
    def _body(response: requests.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            if response.status_code < 300:
                raise QuayUnexpected("Quay answered with something that is not JSON.") from None
            return None

    def get(self, path: str, scope: str, **params: Any) -> Any:
        return self.request("GET", path, params=params or None, scope=scope)

    # -- who am I -----------------------------------------------------------------------------

    @reads_answer
    def get_user(self) -> QuayUser:
        """``GET /api/v1/user/``: the person and their organizations (scope ``user:read``)."""
        return QuayUser.from_api(self.get("user/", "user:read"))

    @reads_answer
    def get_organization(self, org: str) -> OrganizationView:
        """``GET /api/v1/organization/{org}``: whether the caller administers it (any token;
        404 for a namespace that is no organization)."""
        return OrganizationView.from_api(
            self.get(f"organization/{quote(org, safe='')}", "user:read")
        )

    # -- the registry -------------------------------------------------------------------------

    @reads_answer
    def get_registry_capabilities(self) -> RegistryCapabilities:
        """``GET /api/v1/registry/capabilities``: whether sparse manifests are on, and so
        whether Quay takes an architecture filter, and which architectures may be filtered.

        Anonymous in Quay and the same for everybody, so it is asked without the token and
        kept for ``CAPABILITIES_SECONDS`` per Quay (it changes only when Quay is restarted
        with other features). A Quay without this endpoint (404, ``QuayNotFound``) is older
        than the architecture filter too.
        """
        key = f"quay-capabilities:{self.base_url}"
        known = cache.get(key)
        if isinstance(known, RegistryCapabilities):
            return known
        try:
            answer = self.request("GET", "registry/capabilities", anonymous=True)
        except (QuayUnauthorized, QuayForbidden) as error:
            # Asked without a token: a refusal says nothing about the person's sign-in.
            raise QuayUnexpected("Quay refused its registry capabilities to everybody.") from error
        found = RegistryCapabilities.from_api(answer)
        cache.set(key, found, CAPABILITIES_SECONDS)
        return found

    # -- repositories -------------------------------------------------------------------------

    @reads_answer
    def list_repositories(self, namespace: str) -> list[Repository]:
        """Every repository of a namespace the person can read, following ``next_page``."""
        repos: list[Repository] = []
        params: dict[str, Any] = {"namespace": namespace}
        for _ in range(_MAX_PAGES):
            data = self.get("repository", "repo:read", **params) or {}
            listed = data.get("repositories") or ()
            repos.extend(read_placeable(listed, Repository.from_api, what="repository"))
            next_page = data.get("next_page")
            if not next_page:
                break
            params["next_page"] = next_page
        return repos

    @reads_answer
    def get_repository(self, namespace: str, name: str) -> Repository:
        return Repository.from_api(self.get(_repo_path(namespace, name), "repo:read"))

    def change_repository_state(self, namespace: str, name: str, state: RepositoryState) -> None:
        """``PUT .../changestate``: MIRROR makes the repository refuse pushes."""
        self.request(
            "PUT",
            f"{_repo_path(namespace, name)}/changestate",
            json={"state": str(state)},
            scope=ADMIN,
        )

    # -- robots -------------------------------------------------------------------------------

    @reads_answer
    def list_org_robots(self, org: str) -> list[Robot]:
        """An organization's robots (scope ``org:admin``)."""
        data = self.get(f"organization/{quote(org, safe='')}/robots", "org:admin") or {}
        return read_placeable(data.get("robots") or (), Robot.from_api, what="robot")

    @reads_answer
    def list_user_robots(self) -> list[Robot]:
        """The signed-in person's own robots."""
        data = self.get("user/robots", "user:admin") or {}
        return read_placeable(data.get("robots") or (), Robot.from_api, what="robot")

    def list_robots(self, namespace: str, username: str) -> list[Robot]:
        """Robots that may mirror into ``namespace`` (its own robots only)."""
        if namespace == username:
            return self.list_user_robots()
        return self.list_org_robots(namespace)

    # -- mirror config ------------------------------------------------------------------------

    @reads_answer
    def get_mirror(self, namespace: str, name: str) -> MirrorConfig:
        """``GET .../mirror`` (404 when the repository has no mirror config)."""
        return MirrorConfig.from_api(self.get(f"{_repo_path(namespace, name)}/mirror", ADMIN))

    def create_mirror(self, namespace: str, name: str, fields: Mapping[str, Any]) -> None:
        """``POST .../mirror`` (201, body ``""``; 409 when one exists)."""
        path = f"{_repo_path(namespace, name)}/mirror"
        self.request("POST", path, json=to_api(fields), scope=ADMIN)

    def update_mirror(self, namespace: str, name: str, changes: Mapping[str, Any]) -> None:
        """``PUT .../mirror`` with only the changed fields (Quay applies them one by one)."""
        path = f"{_repo_path(namespace, name)}/mirror"
        self.request("PUT", path, json=to_api(changes), scope=ADMIN)

    def sync_now(self, namespace: str, name: str) -> None:
        """``POST .../mirror/sync-now``: 204; 404 while SYNCING (or no config/repository)."""
        self.request("POST", f"{_repo_path(namespace, name)}/mirror/sync-now", scope=ADMIN)

    def sync_cancel(self, namespace: str, name: str) -> None:
        """``POST .../mirror/sync-cancel``: 204; 404 unless SYNCING or SYNC_NOW."""
        self.request("POST", f"{_repo_path(namespace, name)}/mirror/sync-cancel", scope=ADMIN)

    # -- logs, tags, health -------------------------------------------------------------------

    @reads_answer
    def list_logs(
        self,
        namespace: str,
        name: str,
        *,
        mirror_only: bool = True,
        pages: int = 1,
        starttime: datetime | None = None,
        endtime: datetime | None = None,
        want: int | None = None,
        counted: Callable[[LogEntry], bool] | None = None,
        max_pages: int = MAX_LOG_PAGES,
    ) -> list[LogEntry]:
        """The repository's usage log, newest first (mirror events only by default).

        Quay answers 20 entries a page and, without ``starttime``, only the last day or so;
        real Quay writes one ``repo_mirror_sync_tag_success`` per matched tag on every sync,
        so a sync can fill pages. ``pages`` pages are read; with ``want``, further pages too
        until ``want`` matching entries are found (at most ``MAX_LOG_PAGES`` pages in all).
        Reading stops there or where Quay gives no ``next_page``, never at a short page: Quay's
        database log store gives the last page with entries a ``next_page`` anyway (to its
        older log tables, or during a move to Elasticsearch to the database's entries, which
        may hold more), so reading a log to its end costs one call more, an empty page.
        ``starttime`` and ``endtime`` are days (Quay's ``%m/%d/%Y``, UTC; ``endtime``'s day is
        included).
        ``counted``: which of the returned entries count towards ``want`` (default: all);
        ``max_pages`` lowers the cap on pages read.
        """
        entries: list[LogEntry] = []
        params: dict[str, Any] = {}
        if starttime is not None:
            params["starttime"] = _quay_day(starttime)
        if endtime is not None:
            params["endtime"] = _quay_day(endtime)
        cap = max(1, min(max_pages, MAX_LOG_PAGES))
        limit = max(1, pages)
        if want is not None:
            limit = max(limit, cap)
        for read in range(1, min(limit, cap) + 1):
            data = self.get(f"{_repo_path(namespace, name)}/logs", ADMIN, **params) or {}
            entries.extend(LogEntry.read_all(data.get("logs")))
            if not data.get("next_page"):
                break
            matching = sum(
                1
                for e in entries
                if (e.is_mirror_event or not mirror_only) and (counted is None or counted(e))
            )
            if read >= pages and (want is None or matching >= want):
                break
            params["next_page"] = data["next_page"]
        if mirror_only:
            entries = [e for e in entries if e.is_mirror_event]
        return entries

    @reads_answer
    def list_namespace_log(
        self,
        namespace: str,
        *,
        since: datetime | None = None,
        starttime: datetime | None = None,
        max_pages: int = MAX_LOG_PAGES,
    ) -> tuple[list[LogEntry], bool]:
        """The namespace's whole usage log (every repository's entries and its own, all kinds
        mixed; ``GET /organization/{ns}/logs``, which also serves a user's own namespace to
        that user), newest first, read down to ``since`` (entries at or before it are left
        out) or ``starttime`` (a day), at most ``max_pages`` pages of 20. Also: whether it
        was read to ``since`` or the end (``False``: ``max_pages`` stopped it first)."""
        entries: list[LogEntry] = []
        params = {"starttime": _quay_day(starttime)} if starttime is not None else {}
        for page, after in self.namespace_log_pages(namespace, params, max_pages):
            fresh = [e for e in page if since is None or e.datetime is None or e.datetime > since]
            entries.extend(fresh)
            if len(fresh) < len(page) or not after:
                return entries, True
        return entries, False

    def namespace_log_pages(
        self, namespace: str, params: Mapping[str, str], pages: int
    ) -> Iterator[tuple[list[LogEntry], str]]:
        """The namespace's usage log (``GET /organization/{ns}/logs``, its admins') with
        ``params``, page by page while the caller reads on, at most ``pages`` pages: each
        page's entries and Quay's token of the page after it ("" at the end)."""
        path = f"organization/{quote(namespace, safe='')}/logs"
        params = dict(params)
        for _ in range(max(1, pages)):
            data = self.get(path, ORG_ADMIN, **params) or {}
            params["next_page"] = str(data.get("next_page") or "")
            yield list(LogEntry.read_all(data.get("logs"))), params["next_page"]
            if not params["next_page"]:
                return

    def namespace_log_counts(self, namespace: str, first: date, last: date) -> list[LogCount]:
        """Quay's counts of the namespace's log entries per kind per day from ``first`` to
        ``last`` (UTC days, both included), in one call: ``GET /organization/{ns}/
        aggregatelogs?starttime=&endtime=`` (its admins; also a user's own namespace to that
        user). Quay refuses more than a month (400) and files each count under the entry's day
        of the month in ``first``'s month (a month later when that day comes before
        ``first``'s): so ask at most as many days as ``first``'s month has, and read a row's
        day of the month only (``dashboard.watch.trends``)."""
        path = f"organization/{quote(namespace, safe='')}/aggregatelogs"
        data = self.get(path, ORG_ADMIN, starttime=_quay_day_of(first), endtime=_quay_day_of(last))
        return LogCount.read_all((data or {}).get("aggregated"))

    @reads_answer
    def list_tags(self, namespace: str, name: str) -> list[Tag]:
        """The repository's active tags (all pages)."""
        tags: list[Tag] = []
        for page in range(1, _MAX_PAGES + 1):
            data = (
                self.get(
                    f"{_repo_path(namespace, name)}/tag/",
                    "repo:read",
                    onlyActiveTags="true",
                    limit=100,
                    page=page,
                )
                or {}
            )
            tags.extend(read_placeable(data.get("tags") or (), Tag.from_api, what="tag"))
            if not data.get("has_additional"):
                break
        return tags

    @reads_answer
    def get_mirror_health(self, namespace: str | None, *, detailed: bool = True) -> MirrorHealth:
        """Mirror health of a namespace; Quay answers 503 (same body) when it is unhealthy.

        The details come in pages (``offset``/``limit``, ``pagination.has_more``): all of them
        are read, up to ``_MAX_PAGES`` pages. Quay shows a namespace's health to its owner (a
        user namespace: any token), an organization's to its members only through a token
        whose scopes keep the membership (``org:admin`` or ``repo:create``: auth/
        permissions.py, SCOPE_MAX_TEAM_ROLES), and every namespace's (``namespace`` None) to
        superusers; else 403, said as a lack of ``org:admin``.
        """
        pages: list[MirrorHealth] = []
        for page in range(_MAX_PAGES):
            data = self.request(
                "GET",
                "repository/mirror/health",
                params={
                    "namespace": namespace,
                    "detailed": str(detailed).lower(),
                    "limit": HEALTH_PAGE_SIZE,
                    "offset": page * HEALTH_PAGE_SIZE,
                },
                accept_statuses=(503,),
                scope=HEALTH_SCOPE,
            )
            if not isinstance(data, dict):
                raise QuayUnexpected("Quay's mirror health answer could not be read.")
            pages.append(MirrorHealth.from_api(data))
            if not (detailed and pages[-1].has_more):
                break
        first, last = pages[0], pages[-1]
        details = tuple(entry for health in pages for entry in health.details)
        return MirrorHealth(healthy=first.healthy, details=details, has_more=last.has_more)


__all__ = ["UNREADABLE", "QuayClient", "QuayError", "http_session"]
