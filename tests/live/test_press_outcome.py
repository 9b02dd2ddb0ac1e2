"""After Sync now the live part follows the mirror until the press's run is over, and then says
how it ended and why (issue 20, item 2): real Quay's worker takes a mirror whose source refuses
TLS from SYNC_NOW straight to FAIL in ~2 s, so the run may start and end before the press's
answer, or between two polls."""

from __future__ import annotations

import re

import pytest

from tests.support.pages import text, text_of

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
FAST = 'hx-trigger="md:poll" data-poll-seconds="2"'
TLS = "tls: failed to verify certificate: x509: certificate has expired"


def poll_url(body: str) -> str:
    found = re.search(r'<div id="(?:status-body|org-live)"[^>]*hx-get="([^"]+)"', body)
    assert found, "the live part does not poll"
    return found.group(1).replace("&amp;", "&")


def label(body: str) -> str:
    found = re.search(r"<span class=\"status status-\w+[^\"]*\">([^<]+)</span>", body)
    assert found
    return found.group(1)


def press_box(body: str) -> str:
    found = re.search(
        r'<div id="(?:status-result|org-result)" hx-swap-oob="innerHTML">(.*?)</div>', body, re.S
    )
    return text_of(found.group(1)).strip() if found else ""


def fail_next_run(emulator, repo: str, reason: str = "tls_error") -> None:
    emulator.control("POST", f"mirror/{repo}/fail", json={"reason": reason})


def test_a_sync_now_that_failed_before_its_answer_says_so_and_why(client_as, emulator):
    """The worker ran it and it failed before the press read the status back."""
    emulator.configure(claim_delay=0)
    fail_next_run(emulator, "acme/redis")
    body = text(client_as("alice").post("/repo/acme/redis/sync-now/", **HX))

    assert label(body) == "Failed"
    said = press_box(body)
    assert re.search(r"Your Sync now ran and failed at \d\d:\d\d:\d\d UTC: ", said), said
    assert TLS in said
    assert "will pick it up shortly" not in body


def test_a_sync_now_whose_run_fails_between_two_polls_is_followed_to_its_end(
    client_as, emulator, no_read_cache
):
    """SYNC_NOW straight to FAIL between two looks, on a mirror that had failed before."""
    emulator.configure(claim_delay=1)
    client = client_as("alice")
    fail_next_run(emulator, "acme/redis")
    body = text(client.post("/repo/acme/redis/sync-now/", **HX))
    assert label(body) == "Queued" and FAST in body
    assert "pressed=" in poll_url(body)  # the poll follows the press

    emulator.advance(1.5)  # claimed and failed at once: never seen syncing
    body = text(client.get(poll_url(body), **HX))
    assert label(body) == "Failed"
    said = press_box(body)
    assert re.search(r"Your Sync now ran and failed at \d\d:\d\d:\d\d UTC: ", said), said
    assert TLS in said
    assert "pressed=" not in poll_url(body)  # over: no more following

    fail_next_run(emulator, "acme/redis")
    body = text(client.post("/repo/acme/redis/sync-now/", **HX))  # again, on a Failed mirror
    assert "Sync requested" in press_box(body)
    emulator.advance(1.5)
    body = text(client.get(poll_url(body), **HX))
    assert "Your Sync now ran and failed" in press_box(body)


def test_an_organization_sync_now_is_followed_until_its_run_is_over(
    client_as, emulator, no_read_cache
):
    """orgfail's discovery fails (its source project does not exist): the press's box gives
    way to how its run ended, instead of "Sync requested" for ever."""
    emulator.configure(claim_delay=1)
    client = client_as("olivia")
    body = text(client.post("/org/orgfail/mirror/sync-now/", **HX))
    assert "Sync requested" in press_box(body)
    assert "pressed=" in poll_url(body)

    emulator.advance(3)
    body = text(client.get(poll_url(body), **HX))
    assert label(body) == "Failed"
    said = press_box(body)
    assert re.search(
        r"^Your Sync now ran and its discovery failed at \d\d:\d\d:\d\d UTC: Failed to fetch "
        r"repositories from source: .*Project 'nosuchproject' not found on Harbor registry",
        said,
    ), said
    # Not what Quay does next ("Retrying … (2 of 3 left)" stayed while the status moved on).
    assert said.endswith("What Quay does next: in the status below."), said
    assert "left" not in said
    assert "pressed=" not in poll_url(body)


def test_following_a_press_costs_one_config_read_a_poll_and_the_log_once_at_its_end(
    client_as, emulator, no_read_cache
):
    emulator.configure(claim_delay=1)
    client = client_as("alice")
    fail_next_run(emulator, "acme/redis")
    body = text(client.post("/repo/acme/redis/sync-now/", **HX))
    config, log = "/api/v1/repository/acme/redis/mirror", "/api/v1/repository/acme/redis/logs"

    def calls_of_a_poll() -> list[str]:
        nonlocal body
        emulator.control("DELETE", "requests")
        body = text(client.get(poll_url(body), **HX))
        return sorted(r["path"] for r in emulator.requests_log())

    assert calls_of_a_poll() == [config]  # queued: followed, the config only
    emulator.advance(1.5)
    assert calls_of_a_poll() == sorted([config, log])  # over: how it ended, once
    assert calls_of_a_poll() == [config]
