"""Export: the mirrors of some namespaces as a file (``document``), from what Quay holds now
(``fleet``: one listing a namespace, one read a mirror)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dashboard.quay.client import QuayClient

from . import document, fleet


@dataclass(frozen=True)
class Exported:
    """The file, or why none was made (``problems``: a file leaving mirrors out would look
    whole, and a plan of it would call them "not in the file")."""

    text: str = ""
    count: int = 0
    problems: tuple[str, ...] = ()


def export(
    client: QuayClient,
    username: str,
    namespaces: Sequence[str],
    fmt: str,
    now: datetime,
) -> Exported:
    """The mirrors of ``namespaces`` (both kinds) as a ``fmt`` (yaml, json) file."""
    found = fleet.read(client, username, namespaces)
    problems = [
        f"The repositories of {ns} could not be listed: {why}" for ns, why in found.unlisted.items()
    ]
    problems += [
        f"The mirror config of {target.full_name} could not be read: {why}"
        for target, why in found.unreadable.items()
    ]
    if problems:
        return Exported(problems=tuple(problems))
    entries = [
        document.to_entry(target, target.snapshot(config), target.fixed_values(config))
        for target in found.mirrors()
        for config in (found.configs[target],)
    ]
    return Exported(document.dump(entries, fmt, client.base_url, now), len(entries))
