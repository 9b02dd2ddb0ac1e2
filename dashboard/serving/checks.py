"""``check --deploy``: several instances (a PostgreSQL database says so) with a cache in each
process's memory would each keep their own sign-in throttle and read cache."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def shared_cache_for_shared_database(**_: Any) -> list[Warning]:
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("sqlite3") or settings.CACHE_IS_SHARED:
        return []
    return [
        Warning(
            "DATABASE_URL is a shared database but CACHE_URL is this process's memory: with "
            "several instances each keeps its own sign-in throttle, read cache and Quay "
            "capabilities.",
            hint="Set CACHE_URL=redis://host:6379/0 (the same for every instance).",
            id="dashboard.W001",
        )
    ]
