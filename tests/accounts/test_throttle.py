"""Sign-in throttling: per client (failed attempts, refused before Quay is asked) and per
account (sign-ins of one person), logged with the client's address. Across two instances:
tests/browser/test_two_instances.py."""

from __future__ import annotations

import logging

import pytest

from tests.support.emulator import TOKENS, Emulator

pytestmark = pytest.mark.django_db


def wrong_token(client, **headers):
    return client.post("/accounts/login/", {"token": "x" * 40, "next": "/"}, **headers)


def user_calls(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests_log() if r["path"] == "/api/v1/user/")


def test_a_client_that_failed_too_often_is_refused_before_quay_is_asked(
    client, emulator, settings, caplog
):
    settings.SIGNIN_FAILURES_PER_CLIENT = 3
    caplog.set_level(logging.WARNING, logger="dashboard.accounts.throttle")
    for _ in range(3):
        assert wrong_token(client).status_code == 400
    asked = user_calls(emulator)
    refused = wrong_token(client)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many sign-in attempts: nothing was sent to Quay" in refused.content.decode()
    # Even a good token waits for the window: the throttle cannot tell who is typing.
    good = client.post("/accounts/login/", {"token": TOKENS["alice"], "next": "/"})
    assert good.status_code == 429
    assert user_calls(emulator) == asked
    assert "token sign-in throttled: client 127.0.0.1" in caplog.text
    assert "token sign-in failed: client 127.0.0.1 (Quay refused the token)" in caplog.text


def test_behind_the_proxy_the_address_it_added_counts(client, emulator, settings, caplog):
    settings.SIGNIN_FAILURES_PER_CLIENT = 2
    settings.BEHIND_PROXY = True
    caplog.set_level(logging.WARNING, logger="dashboard.accounts.throttle")
    for n in range(2):  # the client makes up a first entry each time: it does not help
        wrong_token(client, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.7")
    assert wrong_token(client, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    assert wrong_token(client, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 400
    assert "client 203.0.113.7" in caplog.text


def test_one_account_signs_in_at_most_so_often(client, emulator, settings):
    settings.SIGNIN_PER_ACCOUNT = 2
    for _ in range(2):
        ok = client.post("/accounts/login/", {"token": TOKENS["bob"], "next": "/"})
        assert ok.status_code == 302
    refused = client.post("/accounts/login/", {"token": TOKENS["bob"], "next": "/"})
    assert refused.status_code == 429
    assert "Too many sign-in attempts" in refused.content.decode()
    other = client.post("/accounts/login/", {"token": TOKENS["carol"], "next": "/"})
    assert other.status_code == 302


def test_forged_oauth_callbacks_are_throttled_too(client, emulator, settings):
    settings.SIGNIN_FAILURES_PER_CLIENT = 2
    for _ in range(2):
        response = client.get("/accounts/callback/forged/?code=x", follow=True)
        assert "not the one this browser started" in response.content.decode()
    response = client.get("/accounts/callback/forged/?code=x", follow=True)
    assert "Too many sign-in attempts" in response.content.decode()


def test_a_window_runs_from_its_first_failure_not_from_the_clock(
    client, emulator, settings, monkeypatch
):
    # Two failures 1 s before a multiple of 300 s on the clock and one after it still count
    # together: a burst straddling the clock's boundary is not let through twice.
    from dashboard.accounts import throttle

    settings.SIGNIN_FAILURES_PER_CLIENT = 3
    settings.SIGNIN_THROTTLE_SECONDS = 300
    now = [300 * 5_900_000 - 1.0]
    monkeypatch.setattr(throttle, "_now", lambda: now[0])
    for _ in range(2):
        assert wrong_token(client).status_code == 400
    now[0] += 2  # past the clock's boundary
    assert wrong_token(client).status_code == 400
    refused = wrong_token(client)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) == 298  # the window began 2 s ago
