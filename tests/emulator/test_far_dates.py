"""Issue 12, item 4: the emulator survives every start date Quay accepts (years 1 to 9999),
and intervals that carry the next run past year 9999; other users never notice."""

from __future__ import annotations

import pytest

from tests.support.emulator import Emulator


def set_start(emulator: Emulator, value: str, repo: str = "nginx") -> None:
    response = emulator.api(
        "PUT", f"repository/acme/{repo}/mirror", json={"sync_start_date": value}
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    "stored", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "0999-06-01T00:00:00Z"]
)
def test_the_emulator_keeps_answering_every_user_after_any_date_quay_accepts(emulator, stored):
    set_start(emulator, stored)

    assert emulator.api("GET", "repository/acme/nginx/mirror").status_code == 200
    assert emulator.api("GET", "repository/acme/redis/mirror", user="bob").status_code == 200
    assert emulator.api("GET", "user/", user="carol").status_code == 200
    emulator.advance(3600)
    assert emulator.api("GET", "repository/acme/redis/mirror", user="bob").status_code == 200


def test_a_sync_of_a_mirror_that_starts_in_9999_ends_and_is_rescheduled(emulator):
    set_start(emulator, "9999-12-31T23:59:59Z")
    assert emulator.api("POST", "repository/acme/nginx/mirror/sync-now").status_code == 204
    emulator.advance(60)

    record = emulator.mirror("acme", "nginx")
    assert record["sync_status"] in ("SUCCESS", "FAIL")
    assert emulator.api("GET", "user/").status_code == 200


def test_a_huge_interval_does_not_break_the_emulator_for_others(emulator):
    # A start in the past: the worker syncs now and adds the interval to find the next run.
    body = {"sync_interval": 10**15, "sync_start_date": "2020-01-01T00:00:00Z"}
    assert emulator.api("PUT", "repository/acme/nginx/mirror", json=body).status_code == 201
    emulator.advance(60)

    assert emulator.api("GET", "repository/acme/redis/mirror", user="bob").status_code == 200
    assert emulator.mirror("acme", "nginx")["sync_status"] == "SUCCESS"
