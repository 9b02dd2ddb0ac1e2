"""The sign-in throttle's counts, in the database: every worker of every instance sees the
same ones, whatever the cache is (see throttle.py)."""

from __future__ import annotations

from django.db import models


class ThrottleWindow(models.Model):
    """Attempts of one "who" (a client's address, a browser session, an account: hashed in
    ``key``) in a window of ``SIGNIN_THROTTLE_SECONDS`` that began at ``started``."""

    key = models.CharField(max_length=80, unique=True)
    count = models.PositiveIntegerField()
    started = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.started:%Y-%m-%d %H:%M:%S}"
