"""An organization mirror's history in words, from the organization's usage log in Quay
(``org_mirror_*`` entries: the API's, written for a person, and the worker's, for the
discovery and for each repository's sync)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayError, QuayUnauthorized
from dashboard.quay.models import LogEntry
from dashboard.quay.names import valid_repository_name

from ..changes import LABELS

#: Pages of the organization's log read (20 entries a page).
PAGES = 2
DONE_BY_PEOPLE = {
    "org_mirror_enabled": "set up the organization mirror",
    "org_mirror_disabled": "deleted the organization mirror",
    "org_mirror_sync_now_requested": "pressed Sync now",
    "org_mirror_sync_cancelled": "cancelled the sync",
}


@dataclass(frozen=True)
class OrgEvent:
    when: datetime | None
    who: str
    what: str
    #: The repository the entry is about ("" for the organization mirror as a whole).
    repository: str = ""
    failed: bool = False


def _what(entry: LogEntry) -> str:
    meta = entry.metadata
    if entry.kind == "org_mirror_config_changed":
        fields = [LABELS.get(str(f), str(f)) for f in meta.get("updated_fields") or ()]
        return f"changed settings ({', '.join(fields)})" if fields else "saved unchanged settings"
    if entry.kind == "org_mirror_repo_created":
        return f"repository created ({meta.get('visibility') or 'private'})"
    if entry.kind in DONE_BY_PEOPLE and not meta.get("repo"):
        return DONE_BY_PEOPLE[entry.kind]
    return str(meta.get("message") or entry.kind.removeprefix("org_mirror_").replace("_", " "))


def _repository(entry: LogEntry) -> str:
    """The repository an entry is about: its ``repo``, or for a created repository the last
    part of its source (``127.0.0.1:8080/upstreamorg/delta``: ``delta``); "" when none, or
    when it is not a name Quay allows (it is linked)."""
    meta = entry.metadata
    name = str(meta.get("repo") or "")
    if not name and entry.kind == "org_mirror_repo_created":
        name = str(meta.get("external_reference") or "").rsplit("/", 1)[-1]
    return name if valid_repository_name(name) else ""


def events(entries: Iterable[LogEntry]) -> list[OrgEvent]:
    return [
        OrgEvent(
            when=entry.datetime,
            who=entry.performer or "",
            what=_what(entry),
            repository=_repository(entry),
            failed=entry.kind == "org_mirror_sync_failed",
        )
        for entry in entries
    ]


def history(client: QuayClient, org: str) -> tuple[list[OrgEvent] | None, str]:
    """The events (newest first), or ``None`` and why they could not be read."""
    try:
        return events(client.list_org_mirror_logs(org, pages=PAGES)), ""
    except QuayUnauthorized:
        raise
    except QuayError as error:
        return None, f"The history could not be read from Quay: {error.message}"
