"""The Quay client's organization-mirror calls, typed results and typed errors, against the
emulator over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.cache import cache

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayBadRequest, QuayForbidden, QuayNotFound
from dashboard.quay.models import Repository, RepositoryState, SyncStatus, to_api
from dashboard.quay.org_models import OrgRepoStatus, SourceRegistryType
from tests.support.emulator import TOKENS, Emulator


def client_for(emulator: Emulator, user: str = "olivia") -> QuayClient:
    return QuayClient(TOKENS[user], base_url=emulator.url)


def test_get_reads_every_field_and_the_counts_by_status(emulator: Emulator) -> None:
    config = client_for(emulator).get_org_mirror("orgmirror")
    assert config.external_registry_type is SourceRegistryType.QUAY
    assert config.source == "https://quay.example.com/upstreamorg"
    assert config.sync_status is SyncStatus.SUCCESS  # discovery is done...
    assert config.count(OrgRepoStatus.SYNCING) == 1  # ...its repositories are not
    assert config.count(OrgRepoStatus.SKIP) == 1
    assert config.total == 6
    assert config.is_active
    assert config.repository_filters == ("alpha", "beta", "gamma", "delta", "broken")
    assert config.sync_start_date is not None and config.sync_start_date.tzinfo is UTC
    assert not client_for(emulator).get_org_mirror("orgnew").is_active


def test_an_org_mirror_repository_is_its_own_state(emulator: Emulator) -> None:
    repos = client_for(emulator).list_repositories("orgmirror")
    assert {repo.state for repo in repos} == {RepositoryState.ORG_MIRROR}
    assert all(repo.is_org_mirror and not repo.is_mirror for repo in repos)
    assert Repository.from_api({"namespace": "a", "name": "b", "state": "ORG_MIRROR"}).is_org_mirror


def test_no_config_is_not_found_and_no_rights_is_forbidden_with_the_scope(
    emulator: Emulator,
) -> None:
    with pytest.raises(QuayNotFound):
        client_for(emulator).get_org_mirror("orgempty")
    with pytest.raises(QuayForbidden) as refused:
        client_for(emulator, "oscar").get_org_mirror("orgmirror")
    assert refused.value.scope == "org:admin"
    assert "org:admin" in refused.value.message


def test_refusals_carry_quays_reason(emulator: Emulator) -> None:
    with pytest.raises(QuayBadRequest) as refused:
        client_for(emulator).org_mirror_sync_now("orgmirror")
    assert refused.value.message.startswith("Cannot trigger sync: repositories are still syncing")


def test_create_update_and_delete_send_only_what_they_are_given(emulator: Emulator) -> None:
    client = client_for(emulator)
    client.create_org_mirror(
        "orgempty",
        {
            "external_registry_type": SourceRegistryType.HARBOR,
            "external_registry_url": "https://harbor.example.com",
            "external_namespace": "platform",
            "robot_username": "orgempty+mirror",
            "visibility": "private",
            "sync_interval": 3600,
            "sync_start_date": datetime(2030, 1, 1, 12, 30, tzinfo=UTC),
            "verify_tls": True,
            "repository_filters": ["api"],
        },
    )
    created = client.get_org_mirror("orgempty")
    assert created.external_registry_type is SourceRegistryType.HARBOR
    assert created.sync_start_date == datetime(2030, 1, 1, 12, 30, tzinfo=UTC)
    emulator.control("DELETE", "requests")
    client.update_org_mirror("orgempty", {"repository_filters": ["api", "w*"]})
    sent = [e for e in emulator.requests_log() if e["method"] == "PUT"]
    assert [e["json"] for e in sent] == [{"repository_filters": ["api", "w*"]}]
    assert client.get_org_mirror("orgempty").repository_filters == ("api", "w*")
    client.delete_org_mirror("orgempty")
    with pytest.raises(QuayNotFound):
        client.get_org_mirror("orgempty")


def test_org_to_api_nests_tls_and_proxy_and_writes_quays_date() -> None:
    assert to_api(
        {
            "verify_tls": False,
            "https_proxy": "http://proxy:3128",
            "no_proxy": "",
            "sync_start_date": datetime(2030, 1, 1, tzinfo=UTC),
        }
    ) == {
        "sync_start_date": "2030-01-01T00:00:00Z",
        "external_registry_config": {
            "verify_tls": False,
            "proxy": {"https_proxy": "http://proxy:3128", "no_proxy": None},
        },
    }


def test_verify_and_the_repository_pages(emulator: Emulator) -> None:
    client = client_for(emulator)
    assert client.verify_org_mirror("orgnew").success is True
    failed = client.verify_org_mirror("orgfail")
    assert (failed.success, failed.message) == (False, "Project 'nosuchproject' not found")
    page = client.list_org_mirror_repositories("orgmirror", limit=2)
    assert ([r.name for r in page.repositories], page.total, page.has_next) == (
        ["alpha", "beta"],
        6,
        True,
    )
    skipped = client.list_org_mirror_repositories("orgmirror", status=OrgRepoStatus.SKIP)
    assert [(r.name, r.status_message) for r in skipped.repositories] == [
        ("legacy", "Repository excluded by filters")
    ]
    everything = client.all_org_mirror_repositories("orgmirror")
    assert [r.name for r in everything] == ["alpha", "beta", "broken", "delta", "gamma", "legacy"]
    assert everything[0].quay_repository == "orgmirror/alpha"
    assert everything[0].last_sync_date is not None


def test_the_feature_flag_is_read_from_quays_config(emulator: Emulator) -> None:
    client = client_for(emulator)
    assert client.org_mirroring_enabled() is True
    emulator.configure(org_mirror=False)
    assert client.org_mirroring_enabled() is True  # kept for ten minutes
    cache.clear()
    assert client.org_mirroring_enabled() is False
    with pytest.raises(QuayNotFound):
        client.get_org_mirror("orgmirror")


def test_a_quay_that_does_not_say_leaves_the_feature_unknown() -> None:
    assert QuayClient("x", base_url="http://127.0.0.1:9").org_mirroring_enabled() is None


def test_the_organization_log_reads_org_mirror_entries_only(emulator: Emulator) -> None:
    entries = client_for(emulator).list_org_mirror_logs("orgmirror")
    assert entries and all(entry.is_org_mirror_event for entry in entries)
    assert entries[0].datetime is not None
    assert {e.kind for e in entries} >= {"org_mirror_sync_started", "org_mirror_repo_created"}
    with pytest.raises(QuayForbidden):
        client_for(emulator, "oscar").list_org_mirror_logs("orgmirror")
