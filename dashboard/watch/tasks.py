"""The watcher's tasks on its queue (Huey: ``settings.HUEY``): the scheduler's tick, and one
poll of one namespace. Both are small and safe to run twice (``schedule``, ``poll``)."""

from __future__ import annotations

from datetime import datetime

from huey.contrib.djhuey import db_periodic_task, db_task

from dashboard.mirrors import clock

from . import poll, schedule


@db_task()
def poll_namespace(namespace: str) -> None:
    """One poll of ``namespace`` (``poll.poll``)."""
    poll.poll(namespace)


def _every_tick(_moment: datetime) -> bool:
    """Every time the scheduler looks (``watch scheduler`` looks every tick)."""
    return True


@db_periodic_task(_every_tick)
def tick() -> None:
    """Enqueue a poll of each due namespace, each once whoever else ticks."""
    schedule.tick(clock.now(), poll_namespace)
