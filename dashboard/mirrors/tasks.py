"""The mirrors' tasks on the watcher's queue (Huey: ``settings.HUEY``; its workers run them:
``manage.py watch worker``, ``scripts/run``): the apply of a bulk settings change, which goes
on when the person who started it leaves the page."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from .operations import bulk


@db_task()
def apply_bulk(pk: int) -> None:
    """Apply bulk change ``pk`` (``operations.bulk.run``: safe to run twice)."""
    bulk.run(pk)
