"""The "apply then delay" fault: Quay applies a write fully, then holds its answer.

So the dashboard's timeout can expire after Quay acted: what it then reads back is the truth.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.support.emulator import TOKENS, Emulator
from tests.support.quay_api import wait_until

MIRROR = "/api/v1/repository/acme/nginx/mirror"


def put_mirror(emulator: Emulator, body: dict, timeout: float) -> requests.Response:
    headers = {"Authorization": f"Bearer {TOKENS['alice']}"}
    return requests.put(f"{emulator.url}{MIRROR}", json=body, headers=headers, timeout=timeout)


def logged(emulator: Emulator, method: str, path: str) -> list[int]:
    entries = emulator.requests_log()
    return [e["status"] for e in entries if (e["method"], e["path"]) == (method, path)]


def test_a_write_is_applied_though_its_answer_comes_too_late(emulator: Emulator) -> None:
    emulator.configure(delay_after_write={MIRROR: 60})
    with pytest.raises(requests.Timeout):
        put_mirror(emulator, {"is_enabled": False}, timeout=1)
    wait_until(lambda: logged(emulator, "PUT", MIRROR) == [201], "Quay has answered 201")
    assert emulator.mirror("acme", "nginx")["is_enabled"] is False


def test_reads_and_other_paths_are_answered_at_once(emulator: Emulator) -> None:
    emulator.configure(delay_after_write={MIRROR: 60})
    assert emulator.api("GET", "repository/acme/nginx/mirror").status_code == 200
    body = {"is_enabled": False}
    assert emulator.api("PUT", "repository/acme/redis/mirror", json=body).status_code == 201


def test_reset_sends_the_held_answers(emulator: Emulator) -> None:
    emulator.configure(delay_after_write={"/api/v1/repository/acme/": 60})
    with ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(put_mirror, emulator, {"sync_interval": 7200}, 30)
        wait_until(lambda: logged(emulator, "PUT", MIRROR) == [201], "the PUT was applied")
        emulator.reset()
        assert held.result(timeout=10).status_code == 201
