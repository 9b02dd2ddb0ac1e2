"""The watcher's tasks on its queue (Huey: ``settings.HUEY``): the scheduler's tick, one poll
of one namespace (then its new events handed to the alert rules), and one try of one alert
delivery. Each is small and safe to run twice (``schedule``, ``poll``, ``alerts.deliver``)."""

from __future__ import annotations

from datetime import datetime

from huey.contrib.djhuey import db_periodic_task, db_task

from dashboard.mirrors import clock

from . import poll, schedule
from .alerts import deliver as alerts


@db_task()
def poll_namespace(namespace: str) -> None:
    """One poll of ``namespace`` (``poll.poll``), then a delivery per rule for what it noted."""
    poll.poll(namespace)
    for pk in alerts.dispatch(namespace, clock.now()):
        deliver(pk)


@db_task()
def deliver(pk: int) -> None:
    """One try of an alert delivery (``alerts.deliver.send``)."""
    alerts.send(pk, clock.now())


def _every_tick(_moment: datetime) -> bool:
    """Every time the scheduler looks (``watch scheduler`` looks every tick)."""
    return True


@db_periodic_task(_every_tick)
def tick() -> None:
    """Enqueue a poll of each due namespace and each due try of a delivery, each once
    whoever else ticks."""
    now = clock.now()
    schedule.tick(now, poll_namespace)
    alerts.take_due(now, deliver)
