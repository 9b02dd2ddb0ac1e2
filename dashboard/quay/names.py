"""The names Quay allows for namespaces and repositories (its own rules, checked before any
call, so a crafted name never reaches Quay's API as another path).

Namespaces are Quay usernames and organization names (``util/validation.py``: lowercase
letters and digits, single ``.``/``_``/``-`` between them, 2 to 255 characters);
repository names start with a lowercase letter or digit, then up to 254 of ``a-z0-9._-``
(``util/names.py``; nested names, ``FEATURE_EXTENDED_REPOSITORY_NAMES``, are not served).
``mirror/health`` is a valid pair by those rules but is Quay's own route
(``/api/v1/repository/mirror/health``, the mirror health report): no repository can be
reached under it.
"""

from __future__ import annotations

import re

NAMESPACE_PATTERN = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
REPOSITORY_PATTERN = r"[a-z0-9][.a-z0-9_-]{0,254}"
_NAMESPACE = re.compile(NAMESPACE_PATTERN)
_REPOSITORY = re.compile(REPOSITORY_PATTERN)
MIN_NAMESPACE, MAX_NAMESPACE = 2, 255
#: Pairs that Quay's API routes to something else than a repository.
SHADOWED = frozenset({("mirror", "health")})


def valid_namespace(value: str) -> bool:
    return MIN_NAMESPACE <= len(value) <= MAX_NAMESPACE and _NAMESPACE.fullmatch(value) is not None


def valid_repository_name(value: str) -> bool:
    return _REPOSITORY.fullmatch(value) is not None


def valid_repository(namespace: str, name: str) -> bool:
    """Whether Quay could have a repository ``namespace/name`` reachable through its API."""
    return (
        valid_namespace(namespace)
        and valid_repository_name(name)
        and (namespace, name) not in SHADOWED
    )


def split_full_name(value: str) -> tuple[str, str] | None:
    """``"ns/name"`` as ``(ns, name)`` when Quay allows both, else ``None``."""
    namespace, slash, name = value.strip().partition("/")
    if slash and valid_repository(namespace, name):
        return namespace, name
    return None
