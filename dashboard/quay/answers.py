"""Reading Quay's answers: an answer of an unexpected shape is a typed error, not a crash."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

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
