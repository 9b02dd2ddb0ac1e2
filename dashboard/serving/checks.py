"""``check --deploy``: several instances (a PostgreSQL database says so) with a cache in each
process's memory would each keep their own read cache; behind a proxy whose addresses are not
named, X-Forwarded-For is believed from any private network."""

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
            "several instances each keeps its own read cache and Quay capabilities.",
            hint="Set CACHE_URL=redis://host:6379/0 (the same for every instance).",
            id="dashboard.W001",
        )
    ]


@register(Tags.security, deploy=True)
def trusted_proxies_named(**_: Any) -> list[Warning]:
    if not settings.BEHIND_PROXY or settings.TRUSTED_PROXY_NETWORKS:
        return []
    return [
        Warning(
            "DJANGO_BEHIND_PROXY is on but TRUSTED_PROXY_NETWORKS is not set: X-Forwarded-For "
            "is believed from any peer on a loopback or private network, which can then choose "
            "the address the sign-in throttle counts and METRICS_ALLOWED_NETWORKS matches.",
            hint="Set TRUSTED_PROXY_NETWORKS to your load balancer's addresses (e.g. "
            "10.0.5.0/24), the same on every instance.",
            id="dashboard.W002",
        )
    ]
