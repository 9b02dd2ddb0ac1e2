"""An organization mirror's history in words, from the organization's usage log in Quay
(``org_mirror_*`` entries: the API's, written for a person, and the worker's, for the
discovery and for each repository's sync)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from dashboard.mirrors.rules import reasons
from dashboard.mirrors.rules.changes import LABELS
from dashboard.mirrors.rules.history import HistoryItem
from dashboard.mirrors.rules.reasons import Reason
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayUnauthorized
from dashboard.quay.models import LogEntry
from dashboard.quay.names import valid_repository_name
from dashboard.quay.org_models import OrgMirrorConfig

#: Pages of the organization's log read (20 entries a page).
PAGES = 2
DONE_BY_PEOPLE = {
    "org_mirror_enabled": "set up the organization mirror",
    "org_mirror_disabled": "deleted the organization mirror",
    "org_mirror_sync_now_requested": "pressed Sync now",
    "org_mirror_sync_cancelled": "cancelled the sync",
}


def _what(entry: LogEntry) -> str:
    if entry.unreadable:
        return entry.unreadable
    meta = entry.metadata
    if entry.kind == "org_mirror_config_changed":
        fields = [LABELS.get(str(f), str(f)) for f in meta.get("updated_fields") or ()]
        return f"changed settings ({', '.join(fields)})" if fields else "saved unchanged settings"
    if entry.kind == "org_mirror_repo_created":
        return f"repository created ({meta.get('visibility') or 'private'})"
    if entry.kind in DONE_BY_PEOPLE and not meta.get("repo"):
        return DONE_BY_PEOPLE[entry.kind]
    return str(meta.get("message") or entry.kind.removeprefix("org_mirror_").replace("_", " "))


def source_prefix(config: OrgMirrorConfig) -> str:
    """How the worker's entries start a source repository's reference:
    ``127.0.0.1:8080/upstreamorg/`` (the registry without its scheme, the namespace)."""
    registry = config.external_registry_url.split("://", 1)[-1].rstrip("/")
    return f"{registry}/{config.external_namespace}/"


def _repository(entry: LogEntry, prefix: str) -> str:
    """The repository an entry is about: its ``repo``, or for a created repository its
    source reference after ``prefix`` (``127.0.0.1:8080/upstreamorg/delta``: ``delta``); ""
    when none, or when it is not a name the dashboard serves (it is linked: a nested
    ``team/app`` is said in words only)."""
    meta = entry.metadata
    name = str(meta.get("repo") or "")
    reference = str(meta.get("external_reference") or "")
    if not name and entry.kind == "org_mirror_repo_created" and prefix:
        name = reference.removeprefix(prefix) if reference.startswith(prefix) else ""
    return name if valid_repository_name(name) else ""


def events(entries: Iterable[LogEntry], prefix: str = "") -> list[HistoryItem]:
    """The entries in words; ``prefix`` (:func:`source_prefix`) names created repositories."""
    result = []
    for entry in entries:
        repository = _repository(entry, prefix)
        what = _what(entry)
        if entry.kind == "org_mirror_repo_created" and not repository:
            reference = str(entry.metadata.get("external_reference") or "")
            what = f"repository created from {reference}" if reference else what
        failed = entry.kind == "org_mirror_sync_failed"
        name = str(entry.metadata.get("repo") or "") if failed else ""
        reason = reasons.of_entry(entry.metadata) if name else None
        result.append(
            HistoryItem(
                entry.datetime,
                "fail" if failed else "other",
                f"sync failed: {reason.text}" if reason else what,
                entry.performer or "",
                reason.cause.value if reason else "",
                reason.cause_label if reason else "",
                repository=repository,
                reason=reason,
                failed_repository=name,
            )
        )
    return result


def repository_reasons(history: Iterable[HistoryItem] | None) -> dict[str, Reason]:
    """Each repository's newest failure's reason (the events newest first, as Quay lists
    them): what its status message ("…: See output") leaves to the log."""
    found: dict[str, Reason] = {}
    for event in history or ():
        if event.reason is not None and event.failed_repository not in found:
            found[event.failed_repository] = event.reason
    return found


def read_reasons(client: QuayClient, org: str, pages: int = 1) -> dict[str, Reason]:
    """The repositories' failure reasons from the newest ``pages`` of the organization's log
    (none when it cannot be read: the status messages stand)."""
    try:
        return repository_reasons(events(client.list_org_mirror_logs(org, pages=pages)))
    except QuayUnauthorized:
        raise
    except QuayError:
        return {}


#: The longest page token of Quay's accepted back from a link (Quay's are far shorter).
MAX_TOKEN = 2000


@dataclass(frozen=True)
class History:
    """``PAGES`` pages of the organization's log in words, newest first (``None``: they
    could not be read, ``error`` says why); ``older``: Quay's token for the pages after
    them ("" at the log's end); ``start``: the token they were read from ("" the newest)."""

    events: list[HistoryItem] | None
    error: str = ""
    older: str = ""
    start: str = ""


def history(
    client: QuayClient, org: str, config: OrgMirrorConfig | None = None, start: str = ""
) -> History:
    """The history from ``start`` (a page token a link brought back; "" the newest)."""
    prefix = source_prefix(config) if config is not None else ""
    start = start if len(start) <= MAX_TOKEN else ""
    try:
        entries, older = client.org_mirror_log_pages(org, pages=PAGES, start=start)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return History(None, f"The history could not be read from Quay: {error.message}")
    return History(events(entries, prefix), older=older, start=start)
