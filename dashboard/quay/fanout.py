"""Bounded parallel fan-out of independent Quay calls.

Each item gets its own :class:`Outcome`: a value or the :class:`QuayError` it raised, so one
failed call never sinks a page. :class:`QuayUnauthorized` is the exception: a revoked token
fails every call, so it propagates (and the person is asked to sign in again). Other
exceptions are programming errors and propagate too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.utils import timezone

from .errors import QuayError, QuayUnauthorized

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    item: T
    value: R | None = None
    error: QuayError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def fan_out(
    func: Callable[[T], R], items: Iterable[T], max_workers: int | None = None
) -> list[Outcome[T, R]]:
    """Call ``func`` on every item, at most ``max_workers`` at once; results in item order."""
    items = list(items)
    if not items:
        return []
    limit = _workers(len(items), max_workers)
    run = _runner(func)
    if limit == 1:
        return [run(item) for item in items]
    with ThreadPoolExecutor(max_workers=limit, thread_name_prefix="quay") as pool:
        return list(pool.map(run, items))


def fan_out_until(
    func: Callable[[T], R], items: Iterable[T], seconds: float, max_workers: int | None = None
) -> list[Outcome[T, R] | None]:
    """Like :func:`fan_out`, but answer after ``seconds`` at most: an item not done by then
    is ``None``. Its call goes on in the background (bounded by the client's timeout) and
    is not waited for, so one slow or hanging call does not hold the others' answers."""
    items = list(items)
    if not items:
        return []
    pool = ThreadPoolExecutor(
        max_workers=_workers(len(items), max_workers), thread_name_prefix="quay"
    )
    futures = [pool.submit(_runner(func), item) for item in items]
    done, _ = wait(futures, timeout=seconds)
    pool.shutdown(wait=False, cancel_futures=True)  # not started yet: asked again later
    return [future.result() if future in done else None for future in futures]


def _workers(count: int, max_workers: int | None) -> int:
    return max(1, min(count, max_workers or settings.QUAY_MAX_PARALLEL))


def _runner(func: Callable[[T], R]) -> Callable[[T], Outcome[T, R]]:
    # The person's time zone (activated per request, per thread) goes with the call: a form
    # built or a date put in words on a worker thread must read and say times as the page does.
    zone = timezone.get_current_timezone()

    def run(item: T) -> Outcome[T, R]:
        try:
            with timezone.override(zone):
                return Outcome(item, value=func(item))
        except QuayUnauthorized:
            raise
        except QuayError as error:
            return Outcome(item, error=error)

    return run


def parallel(*calls: Callable[[], R]) -> list[Outcome[int, R]]:
    """Run a few different independent calls at once (e.g. the calls of one page)."""
    return fan_out(lambda index: calls[index](), range(len(calls)))


def quietly(func: Callable[..., R], *args: Any, **kwargs: Any) -> R | None:
    """``func(*args, **kwargs)``, or ``None`` when it fails with a :class:`QuayError`.

    For extra reads whose failure only costs a detail of the page (a read-back after a save,
    the logs of a status panel). A 401 still propagates: the person must sign in again.
    """
    try:
        return func(*args, **kwargs)
    except QuayUnauthorized:
        raise
    except QuayError as error:
        logger.info("%s failed quietly: %s", getattr(func, "__name__", func), error.message)
        return None
