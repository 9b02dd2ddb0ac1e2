"""Issue 12, item 9: the emulator's FEATURE_SPARSE_INDEX (off by default, as in Quay) and
``GET /api/v1/registry/capabilities``, answered as Quay's endpoints/api/{mirror,capabilities}.py.
"""

from __future__ import annotations

import pytest
import requests

from tests.support.emulator import Emulator, start_emulator
from tests.support.quay_api import mirror_payload

APP = "repository/acme/app/mirror"
NGINX = "repository/acme/nginx/mirror"
REFUSED = {"detail": "Architecture filtering requires FEATURE_SPARSE_INDEX to be enabled."}
ARCHITECTURES = ["amd64", "arm64", "ppc64le", "s390x"]


def capabilities(emulator: Emulator, **headers: str) -> requests.Response:
    return requests.get(f"{emulator.url}/api/v1/registry/capabilities", headers=headers, timeout=5)


# -- the feature flag ---------------------------------------------------------------------------


def test_sparse_index_is_off_by_default_and_set_through_the_control_api(emulator: Emulator):
    assert emulator.control("GET", "config")["sparse_index"] is False
    assert emulator.configure(sparse_index=True)["sparse_index"] is True
    emulator.reset()
    assert emulator.control("GET", "config")["sparse_index"] is False


def test_the_command_line_switch_turns_it_on():
    proc, emulator = start_emulator("--sparse-index")
    try:
        assert emulator.control("GET", "config")["sparse_index"] is True
        assert capabilities(emulator).json()["sparse_manifests"]["supported"] is True
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- the mirror API without it ------------------------------------------------------------------


def test_a_create_with_an_architecture_filter_is_refused_and_creates_nothing(emulator: Emulator):
    response = emulator.api("POST", APP, json=mirror_payload(architecture_filter=["amd64"]))

    assert response.status_code == 400
    assert response.json() == REFUSED
    record = emulator.mirror("acme", "app")
    assert record["configured"] is False and record["state"] == "NORMAL"


@pytest.mark.parametrize("empty", [[], None])
def test_an_empty_filter_means_every_architecture_and_is_accepted(emulator: Emulator, empty):
    assert (
        emulator.api("POST", APP, json=mirror_payload(architecture_filter=empty)).status_code == 201
    )
    assert emulator.api("PUT", NGINX, json={"architecture_filter": empty}).status_code == 201


def test_an_update_with_a_filter_is_refused_before_any_field_is_applied(emulator: Emulator):
    before = emulator.mirror("acme", "nginx")["sync_interval"]
    body = {"is_enabled": False, "sync_interval": before + 60, "architecture_filter": ["arm64"]}

    response = emulator.api("PUT", NGINX, json=body)

    assert response.status_code == 400
    assert response.json() == REFUSED
    record = emulator.mirror("acme", "nginx")
    assert record["sync_interval"] == before and record["is_enabled"] is True
    assert record["architecture_filter"] == []


def test_the_flag_is_checked_before_the_architectures_themselves(emulator: Emulator):
    response = emulator.api("PUT", NGINX, json={"architecture_filter": ["riscv64"]})
    assert response.json() == REFUSED


def test_a_refused_source_is_reported_before_the_filter_as_quay_does(emulator: Emulator):
    body = mirror_payload(external_reference="10.1.2.3/x/y", architecture_filter=["amd64"])
    response = emulator.api("POST", APP, json=body)
    assert response.json()["detail"] == "The provided registry location is not allowed"


# -- with it ------------------------------------------------------------------------------------


def test_with_sparse_index_a_filter_is_stored(emulator: Emulator):
    emulator.configure(sparse_index=True)
    body = mirror_payload(architecture_filter=["arm64", "amd64"])

    assert emulator.api("POST", APP, json=body).status_code == 201
    assert emulator.mirror("acme", "app")["architecture_filter"] == ["arm64", "amd64"]


# -- GET /api/v1/registry/capabilities ------------------------------------------------------------


def test_capabilities_answer_anonymous_callers_that_sparse_manifests_are_off(emulator: Emulator):
    response = capabilities(emulator)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == {
        "sparse_manifests": {
            "supported": False,
            "required_architectures": [],
            "optional_architectures_allowed": False,
        },
        "mirror_architectures": ARCHITECTURES,
    }


def test_capabilities_follow_the_flag(emulator: Emulator):
    emulator.configure(sparse_index=True)
    body = capabilities(emulator).json()
    assert body["sparse_manifests"] == {
        "supported": True,
        "required_architectures": [],
        "optional_architectures_allowed": True,
    }
    assert body["mirror_architectures"] == ARCHITECTURES


@pytest.mark.parametrize("token", ["NOTAREALTOKEN".ljust(40, "0"), "alicedemotoken".ljust(40, "0")])
def test_capabilities_answer_the_same_with_any_token(emulator: Emulator, token: str):
    response = capabilities(emulator, Authorization=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["sparse_manifests"]["supported"] is False
