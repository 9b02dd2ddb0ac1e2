from urllib.parse import urlparse

from django.conf import settings
from django.http import HttpRequest


def quay(request: HttpRequest) -> dict[str, str]:
    """Which Quay this dashboard talks to (never anything secret)."""
    return {"quay_url": settings.QUAY_URL, "quay_host": urlparse(settings.QUAY_URL).netloc}
