"""A save asks first, for both kinds, while the mirror's sync runs (saying what saving does to
it) and for a start date in the past: nothing is sent until the box is ticked, what was typed
comes back, and asking costs Quay no call the page did not already make; a sync that is over
(or stuck) asks nothing, and the poll that finds it over lifts the box. A repository's new tag
rule asks before the next sync deletes tags."""

from __future__ import annotations

import re

import pytest

from dashboard.mirrors.models import AuditEntry
from tests.support.forms import form_data, page, post_form, save
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import HX, div, links, summary, text, text_of
from tests.support.received import calls, clear_log, mirror_puts

pytestmark = pytest.mark.django_db

#: A mirror whose sync runs now (acme/alpine's for a minute after the seed; orgmirror's
#: repositories one at a time), a change to save and what Quay is then sent, what is asked,
#: and what the box says of the running sync.
RUNNING = for_each_kind(
    "mirror, change, sent, asked, running",
    repository=(
        repo("acme", "alpine"),
        {"sync_interval_value": "8"},
        {"sync_interval": 8 * 3600},
        "Nothing was saved yet: a sync is running; saving now can disturb it (Quay restarts its "
        "bookkeeping on every change). Tick the box to confirm and save again.",
        ["A sync is running now. Saving changes while it runs can disturb it"],
    ),
    organization=(
        org("orgmirror"),
        # the form as drawn, the filter "broken" removed
        {"repository_filters": ["alpha", "beta", "gamma", "delta"]},
        {"repository_filters": ["alpha", "beta", "gamma", "delta"]},
        "Nothing was saved yet: the organization mirror's sync is under way (what saving now "
        "does to it is said below). Tick the box to confirm and save again.",
        [
            "The organization mirror is syncing its repositories now (1 syncing, 2 queued; one "
            "at a time).",
            "the queued ones sync with what you save",
        ],
    ),
)


def box(html: str) -> str:
    """The settings form's "a sync is running" box (``settings_form.html#sync_warning``)."""
    return div(html, '<div class="message message-warning sync-warning" id="sync-warning"')


def rows(html: str) -> list[str]:
    return re.findall(r'name="repository_filters" value="([^"]*)"', html)


@RUNNING
def test_saving_while_the_sync_runs_asks_first_and_sends_nothing(
    client_as, emulator, mirror, change, sent, asked, running
):
    client = client_as(mirror.admin)
    drawn = client.get(mirror.url)
    assert 'id="sync-warning"' in text(drawn)  # the page says so before any save
    data = {**form_data(drawn), **change}
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 200
    html = text(response)
    assert 'tabindex="-1" autofocus' in summary(html)
    assert asked in text_of(response)
    assert links(html) == {"#sync-warning": "Confirm saving while the sync runs"}
    warning = text_of(box(html))
    for words in running:
        assert words in warning
    assert re.search(r'name="confirm_during_sync" value="on" aria-invalid="true"', box(html))
    for field, value in change.items():
        assert form_data(response)[field] == value  # what was typed, kept
    assert mirror.settings_in_view in html
    assert mirror.writes(emulator) == []
    assert not AuditEntry.objects.exists()
    # The save's own fresh read, nothing else: the page is drawn from what it had read.
    assert calls(emulator) == [f"GET {mirror.api}"]

    clear_log(emulator)
    response = post_form(client, mirror.settings_url, {**data, "confirm_during_sync": "on"})
    assert response.status_code == 302
    assert mirror.writes(emulator) == [("PUT", sent)]
    assert calls(emulator) == [f"GET {mirror.api}", f"PUT {mirror.api}", f"GET {mirror.api}"]
    for field, value in sent.items():
        assert mirror.in_quay(emulator)[field] == value
    assert "Saved: " in text_of(client.get(response["Location"]))


def test_an_organization_mirrors_box_says_what_this_saves_changes_do_to_the_sync(olivia, emulator):
    mirror = org("orgmirror")
    data = form_data(olivia.get(mirror.url))
    data["repository_filters"] = ["alpha", "beta", "gamma", "delta"]
    response = post_form(olivia, mirror.settings_url, data)
    html = text(response)
    warning = text_of(box(html))
    # Only what this save changes is said: the filters.
    assert "What your changes do to it: Changing the filters: Quay applies them only" in warning
    assert "Changing the source" not in warning
    assert rows(html) == ["alpha", "beta", "gamma", "delta"]
    after = post_form(olivia, mirror.settings_url, {**data, "confirm_during_sync": "on"})
    assert "Saved: repositories to mirror: - broken." in text_of(olivia.get(after["Location"]))


@for_each_kind(
    "mirror, change, page_reads",
    repository=(
        repo("acme", "alpine"),
        {"sync_interval_value": "8"},
        [
            "GET organization/acme/robots",
            "GET repository/acme/alpine",
            "GET repository/acme/alpine/logs",  # the history's 2 pages
            "GET repository/acme/alpine/logs",
            "GET repository/acme/alpine/mirror",
            "GET repository/acme/alpine/tag/",
        ],
    ),
    organization=(
        org("orgmirror"),
        {"repository_filters": ["alpha", "beta", "gamma", "delta"]},
        [
            "GET organization/orgmirror/logs",  # the history's 2 pages
            "GET organization/orgmirror/logs",
            "GET organization/orgmirror/mirror",
            "GET organization/orgmirror/mirror/repositories",
            "GET organization/orgmirror/robots",
        ],
    ),
)
def test_asking_costs_the_pages_reads_and_the_saves_one_fresh_read(
    client_as, emulator, no_read_cache, mirror, change, page_reads
):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), **change}
    clear_log(emulator)
    assert post_form(client, mirror.settings_url, data).status_code == 200
    assert sorted(calls(emulator)) == sorted([*page_reads, f"GET {mirror.api}"])


@for_each_kind(
    "mirror, change, notes, quiet",
    repository=(
        repo("acme", "alpine"),
        {"sync_interval_value": "8"},
        ["A sync is running now"],
        repo("acme", "redis"),
    ),
    organization=(
        org("orgmirror"),
        {"repository_filters": ["alpha", "beta", "gamma", "delta"]},
        ["Changing the filters", "Changing the source", "Turning scheduled syncs off"],
        org("orgnew"),
    ),
)
def test_the_page_drawn_during_the_sync_offers_the_box_and_a_ticked_box_saves_at_once(
    client_as, emulator, mirror, change, notes, quiet
):
    client = client_as(mirror.admin)
    drawn = client.get(mirror.url)
    html = text(drawn)
    warning = text_of(box(html))
    for note in notes:
        assert note in warning
    assert 'name="confirm_during_sync" value="on">' in box(html)  # not ticked, not in error
    assert "form-error-summary" not in html
    data = {**form_data(drawn), **change, "confirm_during_sync": "on"}
    assert post_form(client, mirror.settings_url, data).status_code == 302
    assert [method for method, _body in mirror.writes(emulator)] == ["PUT"]
    # Nothing runs for the other: no box, and a save is not asked about.
    idle = text(client.get(quiet.url))
    assert 'id="sync-warning"' not in idle and "box=1" not in idle


@for_each_kind(
    "mirror, said, change, sent",
    repository=(
        repo("acme", "python"),  # SYNCING, its worker's lease ran out
        re.compile(r"looks stuck"),
        {"sync_interval_value": "2"},
        {"sync_interval": 2 * 3600},
    ),
    organization=(
        org("orgstuck"),  # its discovery's worker died
        re.compile(
            r'<p class="message message-info sync-warning" id="sync-warning">Discovery looks '
            r"stuck \(its worker&#x27;s lease ran out\): no discovery is running"
        ),
        {"visibility": "public"},
        {"visibility": "public"},
    ),
)
def test_a_stuck_sync_is_not_called_running_and_saving_asks_nothing(
    client_as, emulator, mirror, said, change, sent
):
    client = client_as(mirror.admin)
    drawn = client.get(mirror.url)
    html = text(drawn)
    assert said.search(html)
    assert "A sync is running now" not in html
    assert "confirm_during_sync" not in html
    data = {**form_data(drawn), **change}
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 302  # saved, no "tick the box" first
    assert mirror.writes(emulator) == [("PUT", sent)]


@for_each_kind(
    "mirror, asked, note",
    repository=(
        repo("acme", "nginx"),
        "Nothing was saved yet: the start date is in the past, so Quay will start a sync right "
        "away. Tick the box to confirm and save again.",
        "This is in the past: Quay will start a sync right away.",
    ),
    organization=(
        org("orgnew"),
        "Nothing was saved yet: the start date is in the past, so Quay's worker starts a "
        "discovery at its next pass. Tick the box to confirm and save again.",
        "This is in the past: Quay's worker starts a discovery at its next pass, then syncs the "
        "repositories it finds.",
    ),
)
def test_a_start_date_in_the_past_asks_first_unless_scheduled_syncs_are_off(
    client_as, emulator, mirror, asked, note
):
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    data["sync_start_date"] = "2020-01-01T00:00:00"
    clear_log(emulator)

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 200
    html = text(response)
    words = text_of(response)
    assert asked in words
    assert '<a href="#past-start">Confirm a start date in the past</a>' in html
    assert note in words
    assert re.search(r'name="sync_start_date" value="2020-01-01T00:00:00"', html)  # kept
    assert mirror.writes(emulator) == []
    assert calls(emulator) == [f"GET {mirror.api}"]

    response = post_form(client, mirror.settings_url, {**data, "confirm_past_start": "on"})
    assert response.status_code == 302
    assert mirror.writes(emulator) == [("PUT", {"sync_start_date": "2020-01-01T00:00:00Z"})]
    # With scheduled syncs off nothing starts: nothing to confirm.
    data = form_data(client.get(mirror.url))
    data["sync_start_date"] = "2019-06-01T00:00:00"
    data.pop("is_enabled")
    clear_log(emulator)
    assert post_form(client, mirror.settings_url, data).status_code == 302
    assert mirror.writes(emulator) == [
        ("PUT", {"is_enabled": False, "sync_start_date": "2019-06-01T00:00:00Z"})
    ]


@RUNNING
def test_both_confirmations_at_once_are_both_linked(
    client_as, emulator, mirror, change, sent, asked, running
):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), **change}
    data["sync_start_date"] = "2020-01-01T00:00:00"
    response = post_form(client, mirror.settings_url, data)
    html = text(response)
    assert '<a href="#sync-warning">Confirm saving while the sync runs</a>' in html
    assert '<a href="#past-start">Confirm a start date in the past</a>' in html
    assert running[0] in text_of(box(html))
    ticked = {**data, "confirm_during_sync": "on", "confirm_past_start": "on"}
    assert post_form(client, mirror.settings_url, ticked).status_code == 302
    ((_method, body),) = mirror.writes(emulator)
    assert body["sync_start_date"] == "2020-01-01T00:00:00Z"


@RUNNING
def test_a_typed_password_is_asked_for_again_when_the_box_sends_the_form_back(
    client_as, emulator, mirror, change, sent, asked, running
):
    client = client_as(mirror.admin)
    data = {**form_data(client.get(mirror.url)), **change}
    data.update(external_registry_username="robot$ci", external_registry_password="tok3n")
    response = post_form(client, mirror.settings_url, data)
    html = text(response)
    assert "tok3n" not in html
    assert "Type the password again: it was not sent" in " ".join(
        response.context["form"].errors["external_registry_password"]
    )
    assert links(html)["#id_external_registry_password"].endswith(
        ": Type the password again: it was not sent (a password never comes back to the page)."
    )
    assert mirror.writes(emulator) == []


@for_each_kind(
    "mirror, start_a_sync, asked, running",
    repository=(
        repo("acme", "redis"),
        "repository/acme/redis/mirror/sync-now",
        "Nothing was saved yet: a sync is running; saving now can disturb it",
        "A sync is running now",
    ),
    organization=(
        org("orgnew"),
        "organization/orgnew/mirror/sync-now",
        "Nothing was saved yet: the organization mirror's sync is under way (what saving now "
        "does to it is said below). Tick the box to confirm and save again.",
        "The organization mirror is syncing its repositories now (1 syncing",
    ),
)
def test_a_sync_started_after_the_form_was_drawn_is_asked_about_at_the_save(
    client_as, emulator, mirror, start_a_sync, asked, running
):
    emulator.configure(org_tag_seconds=600, claim_delay=0, sync_duration=600)
    client = client_as(mirror.admin)
    drawn = client.get(mirror.url)  # nothing runs: no box
    assert 'id="sync-warning"' not in text(drawn)
    data = form_data(drawn)
    data["skopeo_timeout_value"] = "10"
    response = emulator.api("POST", start_a_sync, user=mirror.admin)  # from another tab
    assert response.status_code == 204
    emulator.advance(2)  # a worker takes it up

    response = post_form(client, mirror.settings_url, data)

    assert response.status_code == 200
    assert asked in text_of(response)
    assert running in text_of(response)
    assert mirror.writes(emulator) == []


@for_each_kind(
    "mirror, polls, ended_as, lifted",
    repository=(
        repo("acme", "alpine"),  # its sync ends a minute after the seed
        "/repo/acme/alpine/status/?poll=1&was=Syncing&box=1",  # the page showed the box
        ">Synced<",
        "The sync has ended: saving no longer disturbs it.",
    ),
    organization=(
        org("orgmirror"),
        "/org/orgmirror/mirror/?poll=1&box=1",  # the page showed the box
        "Failed",  # broken's tags cannot be listed
        "The sync has ended: what you save applies from the next run.",
    ),
)
def test_the_poll_that_finds_the_sync_over_lifts_the_box(
    client_as, emulator, no_read_cache, mirror, polls, ended_as, lifted
):
    client = client_as(mirror.admin)
    still = text(client.get(polls, **HX))
    assert 'id="sync-warning"' not in still  # still syncing: the box stays as it is
    emulator.advance(300)
    ended = text(client.get(polls, **HX))
    assert ended_as in ended
    found = re.search(
        r'<div id="sync-warning" class="message message-info sync-warning" '
        r'hx-swap-oob="outerHTML"><p>([^<]*)</p></div>',
        ended,
    )
    assert found and found.group(1) == lifted


def test_an_organization_mirrors_live_part_says_whether_its_page_showed_the_box(
    olivia, emulator, no_read_cache
):
    """An organization mirror's live part carries that its page showed the box (``box=1``) in
    its polls and presses: the poll that finds the sync over lifts it, only then."""
    html = text(olivia.get("/org/orgmirror/mirror/"))
    assert re.search(r'hx-get="/org/orgmirror/mirror/\?poll=1&amp;[^"]*box=1"', html)
    still = text(olivia.get("/org/orgmirror/mirror/?poll=1&box=1", **HX))
    assert "box=1" in still
    # A press from the live part says so too, so that the polls after it still know.
    pressed = olivia.post("/org/orgmirror/mirror/cancel/", {"confirm": "yes", "box": "1"}, **HX)
    html = text(pressed)
    assert "Cancel requested" in html
    assert re.search(r'hx-get="/org/orgmirror/mirror/\?poll=1&amp;[^"]*box=1"', html)
    assert '<input type="hidden" name="box" value="1">' in html
    emulator.advance(300)
    ended = text(olivia.get("/org/orgmirror/mirror/?poll=1&box=1", **HX))
    assert 'id="sync-warning"' in ended and "box=1" not in ended
    # A live part whose page showed no box lifts nothing.
    assert 'id="sync-warning"' not in text(olivia.get("/org/orgmirror/mirror/?poll=1", **HX))


def test_a_rule_that_deletes_tags_needs_a_confirmation_naming_them(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data["root_rule"] = ["latest"]
    clear_log(emulator)

    body = text(save(alice, "acme", "nginx", data))

    assert mirror_puts(emulator, "acme", "nginx") == []
    match = re.search(r'name="confirm_delete_tags" value="([^"]+)"', body)
    assert match, body
    deleted = match.group(1).split(",")
    assert deleted and "latest" not in deleted
    assert f"I understand tags {', '.join(deleted[:3])}" in body
    assert f"and delete {len(deleted)} tags…" in body  # the save button says it too

    data["confirm_delete_tags"] = match.group(1)
    save(alice, "acme", "nginx", data)
    assert mirror_puts(emulator, "acme", "nginx") == [
        {"root_rule": {"rule_kind": "tag_glob_csv", "rule_value": ["latest"]}}
    ]


@for_each_kind(
    "mirror, page_url, polls, pressed",
    repository=(
        repo("acme", "alpine"),  # its sync ends a minute after the seed
        "/repo/acme/alpine/",
        "/repo/acme/alpine/status/?poll=1&was=Syncing",
        re.compile(r'hx-get="/repo/acme/alpine/status/\?poll=1&amp;[^"]*box=1"'),
    ),
    organization=(
        org("orgmirror"),
        "/org/orgmirror/mirror/",
        "/org/orgmirror/mirror/?poll=1&was=Syncing",
        re.compile(r'hx-get="/org/orgmirror/mirror/\?poll=1&amp;[^"]*box=1"'),
    ),
)
def test_the_box_is_lifted_only_on_a_page_that_shows_it(
    client_as, emulator, no_read_cache, mirror, page_url, polls, pressed
):
    """The answer that finds the sync over sends the box's new words (out of band) only
    where the page has the box: a page opened while nothing ran has no ``#sync-warning``
    (the browser logs ``htmx:oobErrorNoTarget`` for one sent there). A page drawn while the
    sync runs says so in its poll URL (``box=1``), and so does the answer to a press on it."""
    client = client_as(mirror.admin)
    running = text(client.get(page_url))
    assert 'id="sync-warning"' in running and pressed.search(running)
    emulator.advance(300)
    ended = text(client.get(polls, **HX))
    assert "Syncing" not in re.findall(r'class="status status-[a-z]+[^"]*">([^<]*)<', ended)
    assert 'id="sync-warning"' not in ended
