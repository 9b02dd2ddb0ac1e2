"""The repository page: the config in words, history, and every upstream failure as a message."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from dashboard.mirrors.kinds.repository import RepoTarget
from dashboard.mirrors.pages.repository import load
from dashboard.mirrors.person import Person
from dashboard.quay.models import MirrorConfig, Repository, SyncStatus
from tests.support.forms import page
from tests.support.pages import text

pytestmark = pytest.mark.django_db


def test_the_config_reads_in_words(alice, emulator):
    body = text(page(alice, "acme", "nginx"))

    assert "docker.io/library/nginx" in body
    assert "every 6 hours" in body
    assert "<dt>Timeout</dt><dd>5 minutes</dd>" in body
    assert "acme+mirror" in body
    assert "none (anonymous pulls)" in body
    # dates in local time, with UTC on hover
    assert '<time datetime="' in body and ' UTC">' in body


def test_the_status_panel_is_on_the_page(alice, emulator):
    body = text(page(alice, "acme", "etcd"))
    assert 'class="status-panel"' in body
    assert "Failed" in body


def test_history_shows_mirror_events_from_quays_log(alice, emulator):
    body = text(page(alice, "acme", "nginx"))
    assert "Sync succeeded" in body
    assert "Sync started" in body
    assert "bob changed tags → 1.2*, latest" in body


def test_history_shows_why_a_sync_failed(alice, emulator):
    body = text(page(alice, "acme", "postgres"))
    assert "Sync failed: " in body


def test_history_includes_config_changes_made_through_the_dashboard(alice, emulator):
    from tests.support.forms import form_data, save

    data = form_data(page(alice, "acme", "redis"))
    data["sync_interval_value"] = "6"
    save(alice, "acme", "redis", data)

    body = text(page(alice, "acme", "redis"))
    assert "alice changed interval → 6 hours" in body  # from Quay's log
    assert "Changes made through this dashboard" in body
    assert "interval: 12 hours → 6 hours" in body  # from the dashboard's audit trail


def test_a_page_for_a_missing_repository_says_so(alice, emulator):
    response = page(alice, "acme", "nosuchrepo")
    assert response.status_code == 404
    assert "Quay has no repository acme/nosuchrepo" in text(response)


def test_a_failed_log_read_leaves_the_rest_of_the_page(alice, emulator):
    emulator.configure(fail={"/api/v1/repository/acme/nginx/logs": 500})
    body = text(page(alice, "acme", "nginx"))
    assert "The mirror history could not be read" in body
    assert 'id="settings-form"' in body
    assert "every 6 hours" in body


def test_a_failed_tag_read_leaves_the_form_without_preview(alice, emulator):
    emulator.configure(fail={"/api/v1/repository/acme/nginx/tag/": 502})
    body = text(page(alice, "acme", "nginx"))
    assert "current tags could not be read" in body
    assert 'id="settings-form"' in body


def test_without_the_robot_list_the_robot_is_typed_and_the_scope_named(alice, emulator):
    emulator.configure(fail={"/api/v1/organization/acme/robots": 403})
    body = text(page(alice, "acme", "nginx"))
    assert "org:admin" in body
    assert '<input type="text" name="robot_username"' in body
    assert 'value="acme+mirror"' in body


def test_the_robot_list_is_a_select_of_the_namespace_robots(alice, emulator):
    body = text(page(alice, "acme", "nginx"))
    assert '<select name="robot_username"' in body
    assert '<option value="acme+mirror" selected>' in body
    assert '<option value="acme+ci"' in body
    assert "globex+mirror" not in body


def test_the_page_calls_run_at_the_same_time(db):
    """Each fake call waits until all five are in flight: run one after another, they would
    break the barrier (its timeout) instead of meeting there."""
    barrier = threading.Barrier(5, timeout=5)

    def meet(value):
        def call(*args, **kwargs):
            barrier.wait()
            return value

        return call

    config = MirrorConfig(
        is_enabled=True,
        external_reference="docker.io/library/nginx",
        sync_interval=3600,
        sync_start_date=None,
        sync_status=SyncStatus.SUCCESS,
        root_rule=("latest",),
        robot_username="acme+mirror",
    )
    quay = SimpleNamespace(
        get_repository=meet(Repository("acme", "nginx")),
        get_mirror=meet(config),
        list_logs=meet([]),
        list_tags=meet([]),
        list_robots=meet([]),
        get_registry_capabilities=lambda: None,  # kept per Quay: not one of the page's waits
    )
    data = load(quay, Person("alice"), RepoTarget("acme", "nginx"), datetime.now(UTC))

    assert data.config == config
    assert not barrier.broken


def test_many_robots_become_a_text_box_with_suggestions(db):
    from dashboard.mirrors.forms.repository import MirrorSettingsForm

    robots = [f"acme+bot{i:02}" for i in range(20)]
    form = MirrorSettingsForm(namespace="acme", robots=robots, initial={})
    assert form.robot_widget == "datalist"
    form = MirrorSettingsForm(
        {"robot_username": "acme+bot99"}, namespace="acme", robots=robots, initial={}
    )
    form.is_valid()
    assert "acme+bot99 is not one of the acme namespace" in str(form.errors["robot_username"])


def test_a_member_without_admin_rights_is_not_offered_the_switch(client_as, emulator):
    body = text(page(client_as("carol"), "acme", "app"))
    assert "no admin rights on this repository" in body
    assert "Switch to mirror state" not in body
    assert "v2.4.0" in body


def test_a_sync_known_from_mirror_health_says_health_cannot_tell_whether_it_is_stuck(
    client_as, emulator
):
    # acme/python: its worker's lease ran out; carol reads only the health report, which
    # says SYNCING and nothing more: the page must not read as a healthy sync.
    body = text(page(client_as("carol"), "acme", "python"))
    assert "Syncing" in body
    assert "Quay&#x27;s health report can&#x27;t tell whether it is stuck" in body
