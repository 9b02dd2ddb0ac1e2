"""The control API: options, faults, reset, clock, stored records and the request log."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.emulator import TOKENS, Emulator


def test_config_shows_the_command_line_defaults(emulator: Emulator) -> None:
    config = emulator.control("GET", "config")
    assert config["latency_ms"] == 0 and config["max_inflight"] == 0
    assert config["error_rate"] == 0
    assert (config["rate_limit_calls"], config["retry_after"]) == (0, 1)
    assert config["delay_after_write"] == {}
    assert config["hang"] == [] and config["fail"] == {}
    assert config["quirks"] is True
    assert config["claim_delay"] == 2 and config["sync_duration"] == 6
    assert config["retry_delay"] == 30
    assert config["redirect_uri"] == "http://127.0.0.1:8000/"


def test_config_post_returns_the_new_config(emulator: Emulator) -> None:
    config = emulator.configure(latency_ms=5, sync_duration=30, fail={"/api/v1/user/": 503})
    assert (config["latency_ms"], config["sync_duration"]) == (5, 30)
    assert config["fail"] == {"/api/v1/user/": 503}


def test_config_rejects_unknown_options(emulator: Emulator) -> None:
    response = requests.post(f"{emulator.url}/_emulator/config", json={"nope": 1}, timeout=5)
    assert response.status_code == 400


def test_latency_delays_api_calls(emulator: Emulator) -> None:
    emulator.configure(latency_ms=300)
    started = time.monotonic()
    emulator.api("GET", "user/")
    assert time.monotonic() - started >= 0.3


def test_latency_does_not_delay_the_control_api(emulator: Emulator) -> None:
    # An API call sent first is still waiting out its latency when the control call is done
    # (a delayed control call would finish after it): an order, not a stopwatch.
    emulator.configure(latency_ms=5000)
    api_call = threading.Thread(target=emulator.api, args=("GET", "user/"))
    api_call.start()
    try:
        assert emulator.control("GET", "config")["latency_ms"] == 5000
        assert api_call.is_alive()
    finally:
        api_call.join()


def test_latency_does_not_serialize_parallel_calls(emulator: Emulator) -> None:
    emulator.configure(latency_ms=1000)
    headers = {"Authorization": f"Bearer {TOKENS['alice']}"}

    def call(_: int) -> int:
        return requests.get(f"{emulator.url}/api/v1/user/", headers=headers, timeout=30).status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(call, range(20)))
    assert statuses == [200] * 20
    # One after the other they would take 20 s: half of that still proves they overlapped.
    assert time.monotonic() - started < 10.0


def test_error_rate_one_fails_every_call_with_500(emulator: Emulator) -> None:
    emulator.configure(error_rate=1.0)
    response = emulator.api("GET", "user/")
    assert response.status_code == 500
    assert response.json() == {"error": "Internal Server Error"}


@pytest.mark.parametrize("status", [502, 503, 504])
def test_fail_prefix_answers_a_proxy_page(emulator: Emulator, status: int) -> None:
    emulator.configure(fail={"/api/v1/repository/acme/nginx": status})
    response = emulator.api("GET", "repository/acme/nginx/mirror")
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("text/html")
    assert "nginx" in response.text
    assert emulator.api("GET", "repository/acme/redis/mirror").status_code == 200


def test_fail_prefix_with_500_answers_json(emulator: Emulator) -> None:
    emulator.configure(fail={"/api/v1/user/": 500})
    response = emulator.api("GET", "user/")
    assert (response.status_code, response.json()) == (500, {"error": "Internal Server Error"})


def test_faults_never_apply_to_the_control_api(emulator: Emulator) -> None:
    emulator.configure(error_rate=1.0, fail={"/": 503}, hang=["/"])
    assert emulator.control("GET", "config")["error_rate"] == 1.0
    emulator.reset()


def test_hang_never_answers_until_reset(emulator: Emulator) -> None:
    emulator.configure(hang=["/api/v1/repository/acme/nginx/mirror"])
    with pytest.raises(requests.Timeout):
        requests.get(
            f"{emulator.url}/api/v1/repository/acme/nginx/mirror",
            headers={"Authorization": f"Bearer {TOKENS['alice']}"},
            timeout=0.5,
        )
    assert emulator.api("GET", "repository/acme/redis/mirror").status_code == 200
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(emulator.api, "GET", "repository/acme/nginx/mirror")
        time.sleep(0.3)
        emulator.reset()
        assert pending.result(timeout=5).status_code == 504
    assert emulator.api("GET", "repository/acme/nginx/mirror").status_code == 200


def test_a_hang_can_name_one_method(emulator: Emulator) -> None:
    emulator.configure(hang=["PUT /api/v1/repository/acme/nginx/mirror"])
    assert emulator.api("GET", "repository/acme/nginx/mirror").status_code == 200
    with pytest.raises(requests.Timeout):
        requests.put(
            f"{emulator.url}/api/v1/repository/acme/nginx/mirror",
            json={"sync_interval": 3600},
            headers={"Authorization": f"Bearer {TOKENS['alice']}"},
            timeout=0.5,
        )
    emulator.reset()
    assert emulator.mirror("acme", "nginx")["sync_interval"] != 3600  # held before applying


def test_reset_restores_seed_and_options(emulator: Emulator) -> None:
    emulator.configure(latency_ms=50, quirks=False)
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"is_enabled": False})
    emulator.advance(3600)
    emulator.reset()
    assert emulator.mirror("acme", "nginx")["is_enabled"] is True
    config = emulator.control("GET", "config")
    assert (config["latency_ms"], config["quirks"]) == (0, True)
    assert emulator.requests_log() == []


def test_clock_advances_and_only_forward(emulator: Emulator) -> None:
    before = emulator.control("GET", "clock")["now"]
    emulator.advance(3600)
    after = emulator.control("GET", "clock")["now"]
    assert after > before and after.endswith("Z")
    response = requests.post(f"{emulator.url}/_emulator/clock", json={"advance": -1}, timeout=5)
    assert response.status_code == 400


def test_mirror_record_shows_password_state_tags_and_rules(emulator: Emulator) -> None:
    record = emulator.mirror("acme", "flaky")
    assert record["configured"] is True
    assert record["external_registry_password"] == "s3cr3t-flaky"
    assert record["state"] == "MIRROR"
    assert record["tags"] == ["v1.0.0", "v1.1.0", "v1.2.0"]
    assert record["rule"] == ["v*"]
    node = emulator.mirror("acme", "node")
    assert node["configured"] is False and node["state"] == "MIRROR"


def test_mirror_record_of_unknown_repository_answers_404(emulator: Emulator) -> None:
    response = requests.get(f"{emulator.url}/_emulator/mirror/acme/nothere", timeout=5)
    assert response.status_code == 404


def test_request_log_records_api_calls_with_user_and_status(emulator: Emulator) -> None:
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"is_enabled": False})
    emulator.api("GET", "repository", params={"namespace": "acme"}, user="carol")
    emulator.control("GET", "config")
    assert emulator.requests_log() == [
        {
            "method": "PUT",
            "path": "/api/v1/repository/acme/nginx/mirror",
            "query": {},
            "json": {"is_enabled": False},
            "form": None,
            "status": 201,
            "user": "alice",
        },
        {
            "method": "GET",
            "path": "/api/v1/repository",
            "query": {"namespace": "acme"},
            "json": None,
            "form": None,
            "status": 200,
            "user": "carol",
        },
    ]


def test_request_log_masks_secrets_in_forms(emulator: Emulator) -> None:
    requests.post(
        f"{emulator.url}/oauth/access_token",
        data={"grant_type": "authorization_code", "client_secret": "s3cret", "code": "x"},
        timeout=5,
    )
    entry = emulator.requests_log()[-1]
    assert entry["path"] == "/oauth/access_token"
    assert entry["form"]["client_secret"] == "********"
    assert entry["status"] == 400


def test_request_log_can_be_cleared(emulator: Emulator) -> None:
    emulator.api("GET", "user/")
    emulator.control("DELETE", "requests")
    assert emulator.requests_log() == []


def test_reset_with_repos_adds_bulk_mirrors_with_mixed_statuses(emulator: Emulator) -> None:
    emulator.reset(repos=8)
    statuses = {
        emulator.mirror(ns, f"bulk-{i:04d}")["sync_status"]
        for i, ns in zip(range(1, 9), ["acme", "globex", "initech", "alice"] * 2, strict=True)
    }
    assert {"SUCCESS", "NEVER_RUN", "FAIL", "SYNCING", "CANCEL", "SYNC_NOW"} <= statuses


def test_garble_spoils_one_entry_of_a_listing_and_reset_clears_it(emulator: Emulator) -> None:
    path = "/api/v1/organization/orgmirror/mirror/repositories"
    emulator.configure(
        garble={path: {"entry": "beta", "field": "discovery_date", "value": "last tuesday"}}
    )
    rows = emulator.api("GET", path[len("/api/v1/") :], user="olivia").json()["repositories"]
    spoiled = {row["name"]: row["discovery_date"] for row in rows}
    assert spoiled.pop("beta") == "last tuesday"
    assert all(value != "last tuesday" for value in spoiled.values())
    emulator.configure(garble={path: {"entry": "beta", "field": "name", "drop": True}})
    rows = emulator.api("GET", path[len("/api/v1/") :], user="olivia").json()["repositories"]
    assert sum("name" not in row for row in rows) == 1
    emulator.reset()
    assert emulator.control("GET", "config")["garble"] == {}


def test_garble_must_name_an_entry_and_a_field(emulator: Emulator) -> None:
    response = requests.post(
        f"{emulator.url}/_emulator/config", json={"garble": {"/api/v1/": {"x": 1}}}, timeout=5
    )
    assert response.status_code == 400
