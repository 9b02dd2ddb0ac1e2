"""Issue 12, item 9: ``QuayClient.get_registry_capabilities()`` reads whether this Quay takes
an architecture filter (sparse manifests, FEATURE_SPARSE_INDEX) into a typed result."""

from __future__ import annotations

import pytest

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayNotFound, QuayUnexpected
from dashboard.quay.models import ARCHITECTURES, RegistryCapabilities
from tests.quay_client.test_answers import answering
from tests.support.emulator import TOKENS


@pytest.fixture
def quay(emulator) -> QuayClient:
    return QuayClient(TOKENS["carol"])  # anyone: the answer is the same for everybody


def test_a_quay_without_sparse_manifests_takes_no_architecture_filter(quay, emulator):
    capabilities = quay.get_registry_capabilities()

    assert capabilities == RegistryCapabilities(
        sparse_manifests=False,
        mirror_architectures=ARCHITECTURES,
        required_architectures=(),
        optional_architectures_allowed=False,
    )
    assert capabilities.architecture_filter is False
    (call,) = emulator.requests_log()
    assert (call["method"], call["path"]) == ("GET", "/api/v1/registry/capabilities")


def test_a_quay_with_sparse_manifests_takes_one(quay, emulator):
    emulator.configure(sparse_index=True)

    capabilities = quay.get_registry_capabilities()

    assert capabilities.sparse_manifests and capabilities.architecture_filter
    assert capabilities.optional_architectures_allowed
    assert capabilities.mirror_architectures == ARCHITECTURES


def test_a_quay_older_than_the_endpoint_answers_not_found(quay, emulator):
    emulator.configure(fail={"/api/v1/registry/capabilities": 404})
    with pytest.raises(QuayNotFound):
        quay.get_registry_capabilities()


@pytest.mark.parametrize("body", [None, ["a list"], {"sparse_manifests": "yes"}])
def test_an_answer_of_another_shape_is_unreadable(monkeypatch, settings, body):
    settings.QUAY_URL = "http://127.0.0.1:9"
    answering(monkeypatch, body)
    with pytest.raises(QuayUnexpected):
        QuayClient("token").get_registry_capabilities()
