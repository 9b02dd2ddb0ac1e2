"""Reading Quay's answers: an answer of an unexpected shape is a typed error, not a crash."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

from .errors import QuayUnexpected

logger = logging.getLogger("dashboard.quay.client")

P = ParamSpec("P")
R = TypeVar("R")
UNREADABLE = "Quay answered in a form this dashboard cannot read."


def reads_answer(method: Callable[P, R]) -> Callable[P, R]:
    """Turn an answer of an unexpected shape (a missing key, a list for an object, a date
    that is not one) into :class:`QuayUnexpected`, which views show as a message."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(*args, **kwargs)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            logger.warning("Unreadable answer from Quay in %s: %r", method.__name__, exc)
            raise QuayUnexpected(UNREADABLE) from exc

    return wrapper


#: What makes one entry of an answer unreadable (the same as a whole answer).
UNREADABLE_ENTRY = (KeyError, TypeError, ValueError, AttributeError)


def why_unreadable(exc: Exception) -> str:
    """What was wrong with an entry, in words (its field and value, as the reader said)."""
    if isinstance(exc, KeyError):
        return f"it has no {exc.args[0] if exc.args else 'such field'}"
    return str(exc) or type(exc).__name__


def read_each(
    items: Iterable[Any],
    read: Callable[[Any], R],
    unreadable: Callable[[Any, str], R],
    *,
    what: str,
) -> tuple[R, ...]:
    """Every entry of a list in an answer, each read on its own: one that cannot be read
    (a date that is not one, a status Quay does not have, a missing key, not an object)
    becomes ``unreadable(entry, why)`` and spoils nothing else."""
    if not isinstance(items, list | tuple):  # the list itself is not one: the whole answer
        raise TypeError(f"a list of {what}s that is not a list")
    entries: list[R] = []
    for item in items:
        try:
            entries.append(read(item))
        except UNREADABLE_ENTRY as exc:
            why = why_unreadable(exc)
            logger.warning("Unreadable %s in Quay's answer: %s", what, why)
            entries.append(unreadable(item, why))
    return tuple(entries)


def read_placeable(items: Iterable[Any], read: Callable[[Any], R], *, what: str) -> list[R]:
    """Every entry of a list in an answer that can be read; one that cannot has no name to
    be shown or matched by (a repository, a tag, a robot without one): it is left out and
    logged, and spoils nothing else."""
    read_or_none: Callable[[Any], R | None] = read
    found = read_each(items, read_or_none, lambda _item, _why: None, what=what)
    return [entry for entry in found if entry is not None]
