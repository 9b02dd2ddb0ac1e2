"""The organization mirror's history in words (``pages.org_history``): which repository an
entry of Quay's log is about, and only names the dashboard serves linked."""

from __future__ import annotations

from datetime import UTC, datetime

from dashboard.mirrors.pages.org_history import events, source_prefix
from dashboard.quay.models import LogEntry
from dashboard.quay.org_models import OrgMirrorRepo, OrgRepoStatus
from tests.rules.test_organization_status import config

WHEN = datetime(2026, 12, 1, 7, 19, tzinfo=UTC)


def created(reference: str) -> LogEntry:
    # As real Quay logs it (shared/reference/quay-org-mirror-observed.md).
    meta = {"external_reference": reference, "visibility": "private", "via_org_mirror": True}
    return LogEntry("org_mirror_repo_created", WHEN, "orgmirror+mirror", meta)


def test_a_created_repository_is_named_from_its_source_reference():
    mirror = config(external_registry_url="http://127.0.0.1:8080/", external_namespace="up")
    prefix = source_prefix(mirror)
    assert prefix == "127.0.0.1:8080/up/"
    (plain,) = events([created("127.0.0.1:8080/up/delta")], prefix)
    assert (plain.repository, plain.text) == ("delta", "repository created (private)")


def test_a_nested_name_is_said_in_words_not_linked_nor_cut_to_its_last_part():
    (nested,) = events([created("127.0.0.1:8080/up/team/app")], "127.0.0.1:8080/up/")
    assert nested.repository == ""  # "app" would name another repository
    assert nested.text == "repository created from 127.0.0.1:8080/up/team/app"
    (unknown,) = events([created("127.0.0.1:8080/up/delta")])  # no config: no prefix
    assert unknown.repository == ""
    assert unknown.text == "repository created from 127.0.0.1:8080/up/delta"


def test_a_discovered_repository_links_only_to_a_page_the_dashboard_serves():
    made = OrgMirrorRepo("delta", OrgRepoStatus.SUCCESS, quay_repository="orgmirror/delta")
    assert made.page_name == "delta"
    nested = OrgMirrorRepo("team/app", OrgRepoStatus.SUCCESS, quay_repository="orgmirror/team/app")
    assert nested.page_name is None  # reversing /repo/orgmirror/team/app/ would be a 500
    assert OrgMirrorRepo("new", OrgRepoStatus.NEVER_RUN).page_name is None
