"""Who is acting: the signed-in person as the operations need them (no request)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Person:
    """The person an operation acts for.

    ``user``: the dashboard's user object (the audit trail links to it; ``None`` outside a
    request, e.g. a management command). ``scopes``: the OAuth scopes the token is known to
    carry (``None`` for a pasted token, whose scopes Quay does not tell).
    """

    username: str
    user: Any = None
    scopes: Collection[str] | None = None
