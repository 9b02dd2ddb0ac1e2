"""What the emulator keeps sorted, per namespace, so that a listing costs what it answers.

* the names of each namespace's repositories, all of them and the public ones (repository
  listings, 100 a page);
* each namespace's mirror-health rows: the enabled mirrors of repositories in MIRROR state,
  by name, with their statuses counted and the never-run and exhausted ones by name (mirror
  health answers the counts and the first five of each).

``RepoIndex.file(repo)`` brings a repository's entries up to date after any change; it costs
O(log n) to find out nothing moved and O(n) (a list insertion, n = one namespace's size) when
a repository enters or leaves a list. ``window`` pages through sorted lists one after the
other without copying them.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from .state import Repository

K = TypeVar("K")
T = TypeVar("T")


def _insert(names: list[str], name: str) -> None:
    at = bisect.bisect_left(names, name)
    if at == len(names) or names[at] != name:
        names.insert(at, name)


def _remove(names: list[str], name: str) -> None:
    at = bisect.bisect_left(names, name)
    if at < len(names) and names[at] == name:
        del names[at]


def window(groups: Iterable[tuple[K, Sequence[T]]], offset: int, count: int) -> list[tuple[K, T]]:
    """Items ``offset`` to ``offset + count`` of the groups' sorted lists one after the other,
    each with its group's key; whole groups before ``offset`` are skipped by their length."""
    found: list[tuple[K, T]] = []
    for key, items in groups:
        if offset >= len(items):
            offset -= len(items)
            continue
        found.extend((key, item) for item in items[offset : offset + count - len(found)])
        offset = 0
        if len(found) >= count:
            break
    return found


@dataclass(frozen=True)
class HealthEntry:
    """What mirror health needs to know of one enabled mirror."""

    status: str
    exhausted: bool  # FAIL with no retries left


def health_entry(repo: Repository) -> HealthEntry | None:
    """The repository's mirror-health row, or None when mirror health does not list it."""
    mirror = repo.mirror
    if mirror is None or not mirror.is_enabled or repo.state != "MIRROR":
        return None
    exhausted = mirror.sync_status == "FAIL" and mirror.sync_retries_remaining == 0
    return HealthEntry(mirror.sync_status, exhausted)


@dataclass
class HealthRows:
    """One namespace's mirror-health rows."""

    names: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    never_run: list[str] = field(default_factory=list)
    exhausted: list[str] = field(default_factory=list)

    def add(self, name: str, entry: HealthEntry) -> None:
        _insert(self.names, name)
        self.counts[entry.status] += 1
        if entry.status == "NEVER_RUN":
            _insert(self.never_run, name)
        if entry.exhausted:
            _insert(self.exhausted, name)

    def remove(self, name: str, entry: HealthEntry) -> None:
        _remove(self.names, name)
        self.counts[entry.status] -= 1
        if entry.status == "NEVER_RUN":
            _remove(self.never_run, name)
        if entry.exhausted:
            _remove(self.exhausted, name)


class RepoIndex:
    """Sorted names per namespace for listings and mirror health."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {}
        self.public: dict[str, list[str]] = {}
        self.health: dict[str, HealthRows] = {}
        self._entries: dict[tuple[str, str], HealthEntry] = {}
        self._namespaces: list[str] = []

    def namespaces(self) -> list[str]:
        """Every namespace that has repositories, sorted."""
        return self._namespaces

    def file(self, repo: Repository) -> None:
        """Bring the repository's entries up to date (after it was created or changed)."""
        namespace, name = repo.namespace, repo.name
        if namespace not in self.names:
            _insert(self._namespaces, namespace)
            self.names[namespace], self.public[namespace] = [], []
            self.health[namespace] = HealthRows()
        _insert(self.names[namespace], name)
        if repo.is_public:
            _insert(self.public[namespace], name)
        else:
            _remove(self.public[namespace], name)
        key = (namespace, name)
        old, new = self._entries.get(key), health_entry(repo)
        if old == new:
            return
        rows = self.health[namespace]
        if old is not None:
            rows.remove(name, old)
            del self._entries[key]
        if new is not None:
            rows.add(name, new)
            self._entries[key] = new
