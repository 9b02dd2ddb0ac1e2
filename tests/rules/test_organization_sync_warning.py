"""What saving an organization mirror's settings does to a sync under way
(``org_status.during_sync``), as Quay's worker shows it: discovery keeps the config it claimed,
each repository reads the config when its own sync starts, filters apply only at discovery,
queued repositories wait while the config is disabled."""

from __future__ import annotations

from datetime import timedelta

from dashboard.mirrors.rules.org_status import during_sync
from dashboard.quay.models import SyncStatus
from dashboard.quay.org_models import OrgRepoStatus
from tests.rules.test_organization_status import NOW, config

REPOS = {OrgRepoStatus.SUCCESS: 2, OrgRepoStatus.SYNCING: 1, OrgRepoStatus.SYNC_NOW: 2}
LEASE_LEFT = NOW + timedelta(minutes=25)


def test_nothing_running_asks_nothing() -> None:
    assert during_sync(config(counts={OrgRepoStatus.SUCCESS: 4}), NOW) is None
    assert during_sync(config(SyncStatus.NEVER_RUN), NOW) is None
    # Queued repositories of a disabled config: no worker picks them up, nothing runs.
    disabled = config(is_enabled=False, counts={OrgRepoStatus.SYNC_NOW: 3})
    assert during_sync(disabled, NOW) is None


def test_repositories_syncing_say_the_queued_ones_get_what_is_saved() -> None:
    warning = during_sync(config(counts=REPOS), NOW)
    assert warning is not None and not warning.stuck
    assert warning.headline == (
        "The organization mirror is syncing its repositories now (1 syncing, 2 queued; one at "
        "a time)."
    )
    assert "a repository already syncing finishes with the settings its sync started with" in (
        warning.effect
    )
    assert "the queued ones sync with what you save" in warning.effect
    # The form as drawn: every note that holds (the schedule's is discovery's only).
    assert [note.split(":")[0] for note in warning.notes] == [
        "Changing the filters",
        "Changing the source",
        "Turning scheduled syncs off",
        "Changing the visibility",
    ]


def test_the_notes_of_a_save_are_those_of_what_it_changes() -> None:
    filters = during_sync(config(counts=REPOS), NOW, {"repository_filters": ["alpha"]})
    assert filters is not None
    (note,) = filters.notes
    assert "Repositories queued before the next discovery still sync even if the new " in note
    timeout = during_sync(config(counts=REPOS), NOW, {"skopeo_timeout": 600})
    assert timeout is not None and timeout.notes == ()
    turned_on = during_sync(config(counts=REPOS), NOW, {"is_enabled": True})
    assert turned_on is not None and turned_on.notes == ()
    turned_off = during_sync(config(counts=REPOS), NOW, {"is_enabled": False})
    assert turned_off is not None
    assert turned_off.notes[0].startswith("Turning scheduled syncs off: the worker starts none")
    source = during_sync(config(counts=REPOS), NOW, {"external_namespace": "other"})
    assert source is not None
    assert "each is copied from the new source under the same name" in source.notes[0]


def test_a_running_discovery_keeps_what_it_started_with_and_replaces_a_new_start_date() -> None:
    running = config(SyncStatus.SYNCING, sync_expiration_date=LEASE_LEFT)
    warning = during_sync(running, NOW, {"sync_start_date": NOW + timedelta(days=1)})
    assert warning is not None and not warning.stuck
    assert warning.headline.startswith("Discovery is running now")
    assert "what you save applies from the next discovery on" in warning.effect
    (note,) = warning.notes
    assert "a start date saved now is replaced then" in note
    both = during_sync(
        config(SyncStatus.SYNCING, sync_expiration_date=LEASE_LEFT, counts=REPOS), NOW
    )
    assert both is not None
    assert both.headline == (
        "Discovery is running now, and repositories are syncing (1 syncing, 2 queued; one at a "
        "time)."
    )


def test_a_dead_discovery_claim_is_said_and_asks_nothing() -> None:
    stuck = config(SyncStatus.SYNCING, sync_expiration_date=NOW - timedelta(hours=1))
    warning = during_sync(stuck, NOW)
    assert warning is not None and warning.stuck
    assert "Discovery looks stuck (its worker's lease ran out)" in warning.headline
    # Its repositories still syncing are a sync under way all the same.
    busy = during_sync(
        config(SyncStatus.SYNCING, sync_expiration_date=NOW - timedelta(hours=1), counts=REPOS),
        NOW,
    )
    assert busy is not None and not busy.stuck


def test_the_notes_say_whether_they_are_about_this_saves_changes() -> None:
    # A form sent back for bad input lists the notes of any change: they must not read as
    # if they were about changes the person made ("Turning scheduled syncs off" when not).
    drawn = during_sync(config(counts=REPOS), NOW)
    assert drawn is not None and not drawn.notes_for_changes
    saved = during_sync(config(counts=REPOS), NOW, {"repository_filters": ["api*"]})
    assert saved is not None and saved.notes_for_changes
    assert [note.split(":")[0] for note in saved.notes] == ["Changing the filters"]
