"""Times are shown in the browser's zone, which app.js stores URL-encoded in a cookie."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from dashboard.accounts.middleware import TimezoneMiddleware


def zone_seen_by_the_view(cookie: str | None) -> str:
    seen = {}

    def view(request):
        seen["zone"] = timezone.get_current_timezone_name()
        return HttpResponse()

    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES["tz"] = cookie
    TimezoneMiddleware(view)(request)
    return seen["zone"]


@pytest.mark.parametrize("cookie", ["Europe%2FParis", "Europe/Paris"])
def test_the_browsers_zone_is_used(cookie):
    assert zone_seen_by_the_view(cookie) == "Europe/Paris"


@pytest.mark.parametrize("cookie", [None, "", "Not/AZone", "..%2F..%2Fetc%2Fpasswd"])
def test_without_a_valid_zone_times_are_in_utc(cookie):
    assert zone_seen_by_the_view(cookie) == "UTC"
