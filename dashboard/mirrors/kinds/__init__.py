"""The kinds of mirror (see :mod:`.base`): a repository's mirror and an organization's."""

from __future__ import annotations

from .base import MirrorKind
from .organization import OrgTarget
from .repository import RepoTarget


def target_of(names: dict[str, str]) -> MirrorKind:
    """The mirror a URL names: ``org`` (an organization's mirror) or ``namespace`` and
    ``name`` (a repository's)."""
    if "org" in names:
        return OrgTarget(names["org"])
    return RepoTarget(names["namespace"], names["name"])
