"""What each operation costs Quay, in calls, counted at the emulator (the figures are the
README's): a press is two calls from the panel and from a row alike, bulk is two a
repository, a poll is one, a save is the page's reads, the PUT and one read-back, and the
page after it is drawn partly from the read cache."""

from __future__ import annotations

import re

import pytest

from tests.support.forms import form_data, page, post_form, save
from tests.support.kinds import for_each_kind, org, repo
from tests.support.pages import text, text_of
from tests.support.received import calls, clear_log

HX = {"HTTP_HX_REQUEST": "true"}
pytestmark = pytest.mark.django_db


@for_each_kind(
    "mirror, made",
    repository=(
        repo("acme", "nginx"),
        ["POST repository/acme/nginx/mirror/sync-now", "GET repository/acme/nginx/mirror"],
    ),
    organization=(
        org("orgnew"),
        [
            "POST organization/orgnew/mirror/sync-now",
            "GET organization/orgnew/mirror",  # the status the answer shows
            "GET organization/orgnew/mirror/repositories",  # its repositories' counts
        ],
    ),
)
def test_sync_now_from_the_page_costs_the_press_and_the_reads_its_answer_shows(
    client_as, emulator, mirror, made
):
    client = client_as(mirror.admin)
    clear_log(emulator)
    response = client.post(mirror.path("sync-now"), **HX)
    assert f"Sync requested for {mirror.called}" in text_of(response)
    assert calls(emulator) == made


@for_each_kind(
    "mirror, first, then",
    repository=(
        repo("acme", "alpine"),
        ["POST repository/acme/alpine/mirror/sync-cancel"],
        ["GET repository/acme/alpine/mirror"],
    ),
    organization=(
        org("orgstuck"),
        [
            "GET organization/orgstuck/mirror",  # anything to cancel? (a fresh read)
            "POST organization/orgstuck/mirror/sync-cancel",
        ],
        [
            "GET organization/orgstuck/mirror",  # the status the answer shows
            "GET organization/orgstuck/mirror/repositories",
        ],
    ),
)
def test_cancel_from_the_page_costs_the_press_and_the_reads_its_answer_shows(
    client_as, emulator, mirror, first, then
):
    client = client_as(mirror.admin)
    clear_log(emulator)
    client.post(mirror.path("cancel"), {"confirm": "yes"}, **HX)
    made = calls(emulator)
    assert made[: len(first)] == first
    assert sorted(made[len(first) :]) == sorted(then)


@for_each_kind("mirror", repository=repo("acme", "nginx"), organization=org("orgnew"))
def test_sync_now_from_an_overview_row_costs_two_calls(client_as, emulator, mirror):
    client = client_as(mirror.admin)
    clear_log(emulator)
    response = client.post(mirror.path("sync-now"), {"view": "row"}, **HX)
    html = text(response)
    assert html.lstrip().startswith("<tr") and f"Sync requested for {mirror.called}" in html
    assert re.search(r'data-(org-)?status="active"', html)  # the row shows the queued sync
    assert calls(emulator) == [f"POST {mirror.api}/sync-now", f"GET {mirror.api}"]


@for_each_kind(
    "mirror, before",
    repository=(repo("acme", "alpine"), []),
    # anything to cancel? (a fresh read: with nothing to cancel, nothing is sent)
    organization=(org("orgmirror"), ["GET organization/orgmirror/mirror"]),
)
def test_cancel_from_an_overview_row_costs_the_press_and_the_read_the_row_shows(
    client_as, emulator, mirror, before
):
    client = client_as(mirror.admin)
    clear_log(emulator)
    response = client.post(mirror.path("cancel"), {"view": "row", "confirm": "yes"}, **HX)
    html = text(response)
    assert html.lstrip().startswith("<tr")
    assert re.search(r'data-(org-)?status="(cancel|active)"', html)
    assert calls(emulator) == [*before, f"POST {mirror.api}/sync-cancel", f"GET {mirror.api}"]


def test_bulk_sync_now_over_three_repositories_costs_six_calls(client_as, emulator):
    client = client_as("alice")
    clear_log(emulator)
    repos = ["acme/nginx", "acme/redis", "globex/mysql"]
    response = client.post("/bulk/", {"action": "sync_now", "repo": repos}, **HX)
    html = response.content.decode()
    assert "Sync now: 3 of 3 done." in html
    assert len(re.findall(r"<template>\s*<tr ", html)) == 3  # every row redrawn, from its press
    assert '<div id="refresh"' in html  # the tab's refresh restarted: the rows are queued
    made = calls(emulator)
    assert len(made) == 2 * len(repos)
    for full_name in repos:
        assert made.count(f"POST repository/{full_name}/mirror/sync-now") == 1
        assert made.count(f"GET repository/{full_name}/mirror") == 1


def test_a_press_quay_answers_404_costs_the_reads_that_explain_it(client_as, emulator):
    client = client_as("alice")
    clear_log(emulator)
    response = client.post("/repo/acme/alpine/sync-now/", {"view": "row"}, **HX)  # SYNCING
    assert "Already syncing" in response.content.decode()
    assert calls(emulator) == [
        "POST repository/acme/alpine/mirror/sync-now",
        "GET repository/acme/alpine/mirror",
    ]
    clear_log(emulator)
    client.post("/repo/acme/node/sync-now/", **HX)  # MIRROR state, no config
    assert calls(emulator) == [
        "POST repository/acme/node/mirror/sync-now",
        "GET repository/acme/node/mirror",
        "GET repository/acme/node",
    ]


def test_a_poll_of_the_panel_or_a_row_costs_one_call(client_as, emulator):
    client = client_as("alice")
    clear_log(emulator)
    client.get("/repo/acme/alpine/status/?poll=1&was=Syncing", **HX)
    assert calls(emulator) == ["GET repository/acme/alpine/mirror"]
    clear_log(emulator)
    client.get("/repo/acme/alpine/row/?poll=1&was=Syncing", **HX)
    assert calls(emulator) == ["GET repository/acme/alpine/mirror"]


@for_each_kind(
    "mirror, live, made",
    repository=(
        repo("acme", "alpine"),
        'id="status-body"',
        ["GET repository/acme/alpine/mirror"],
    ),
    organization=(
        org("orgmirror"),
        'id="org-live"',
        ["GET organization/orgmirror/mirror", "GET organization/orgmirror/mirror/repositories"],
    ),
)
def test_a_poll_is_the_live_part_only_and_asks_quay(client_as, emulator, mirror, live, made):
    client = client_as(mirror.admin)
    clear_log(emulator)
    html = text(client.get(mirror.poll_url, **HX))
    assert "<html" not in html and live in html
    assert sorted(calls(emulator)) == sorted(made)


@for_each_kind(
    "mirror",
    repository=repo("acme", "redis"),
    organization=org("orgnew"),
)
def test_a_save_costs_the_config_the_put_and_one_read_back(client_as, emulator, mirror):
    """A save reads only what decides it (the config, afresh), sends the change and reads the
    config back: three calls, for either kind (the page before it was ~5 and a repository
    save cost 7)."""
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))
    data["sync_interval_value"] = "13"
    clear_log(emulator)
    response = client.post(mirror.settings_url, data)
    assert response.status_code == 302
    assert calls(emulator) == [f"GET {mirror.api}", f"PUT {mirror.api}", f"GET {mirror.api}"]


def test_a_new_tag_rule_costs_one_read_more_the_current_tags(client_as, emulator):
    """Which tags the next sync would delete is said before a new rule is sent: the tags are
    read with the config (four calls); a rule that deletes one asks first and sends nothing."""
    client = client_as("alice")
    data = form_data(page(client, "acme", "redis"))
    data["root_rule"] = [*data["root_rule"], "extra*"]
    clear_log(emulator)
    response = save(client, "acme", "redis", data)
    assert response.status_code == 302
    made = calls(emulator)
    assert sorted(made[:2]) == [
        "GET repository/acme/redis/mirror",
        "GET repository/acme/redis/tag/",
    ]
    assert made[2:] == ["PUT repository/acme/redis/mirror", "GET repository/acme/redis/mirror"]


def test_the_page_after_a_save_is_drawn_partly_from_the_read_cache(client_as, emulator):
    client = client_as("alice")
    data = form_data(page(client, "acme", "redis"))
    data["sync_interval_value"] = "13"
    response = save(client, "acme", "redis", data)
    clear_log(emulator)
    # The page the person comes back to is drawn from the config just read back (the read
    # cache): the save's PUT forgot every earlier answer, so the other four are asked again.
    # The history wants more events than redis's log holds, so the log is read to its end:
    # Quay's database log store gives the last page with entries a next page, and the page
    # after it is empty (two calls for the log).
    client.get(response["Location"])
    assert sorted(calls(emulator)) == sorted(
        [
            "GET repository/acme/redis",
            "GET repository/acme/redis/logs",
            "GET repository/acme/redis/logs",
            "GET repository/acme/redis/tag/",
            "GET organization/acme/robots",
        ]
    )


@for_each_kind(
    "mirror, shown",
    repository=(repo("acme", "redis"), "docker.io/library/redis"),
    organization=(org("orgnew"), "https://harbor.example.com/platform"),
)
def test_a_second_tab_within_seconds_costs_no_call(client_as, emulator, mirror, shown):
    client = client_as(mirror.admin)
    client.get(mirror.url)
    clear_log(emulator)
    response = client.get(mirror.url)  # a second tab, or a reload: the read cache
    assert response.status_code == 200 and shown in text(response)
    assert calls(emulator) == []


@for_each_kind(
    "mirror, made",
    repository=(
        repo("acme", "nginx"),
        [
            "GET organization/acme/robots",
            "GET repository/acme/nginx",
            "GET repository/acme/nginx/logs",  # the history: see the repository page's costs
            "GET repository/acme/nginx/logs",
            "GET repository/acme/nginx/mirror",
            "GET repository/acme/nginx/tag/",
        ],
    ),
    organization=(
        org("orgmirror"),
        [
            # The history: its 2 pages of 20. The day's entries fit in the first, and Quay's
            # database log store gives the last page with entries a next page all the same (it
            # may lead to older log tables): the second is asked for, and is empty.
            "GET organization/orgmirror/logs",
            "GET organization/orgmirror/logs",
            "GET organization/orgmirror/mirror",
            "GET organization/orgmirror/mirror/repositories",
            "GET organization/orgmirror/robots",  # the settings form's robot list
        ],
    ),
)
def test_the_page_asks_quay_for_everything_it_shows_at_once(client_as, emulator, mirror, made):
    client = client_as(mirror.admin)
    clear_log(emulator)
    assert client.get(mirror.url).status_code == 200
    asked = [call for call in calls(emulator) if call != "GET registry/capabilities"]
    assert sorted(asked) == sorted(made)


@for_each_kind(
    "mirror, someone_else",
    repository=(repo("acme", "redis"), "bob"),
    organization=(org("orgnew"), "olivia"),
)
def test_a_save_reads_afresh_what_decides_it(client_as, emulator, mirror, someone_else):
    """The conflict check must see what someone else saved a moment ago: no cached answer."""
    client = client_as(mirror.admin)
    data = form_data(client.get(mirror.url))  # the page's answers are in the read cache
    data["sync_interval_value"] = "13"
    mirror.change_in_quay(emulator, user=someone_else, sync_interval=7200)
    response = post_form(client, mirror.settings_url, data)
    assert response.status_code == 200  # not saved: the conflict is shown
    assert 'id="conflict"' in text(response)
    assert mirror.in_quay(emulator)["sync_interval"] == 7200  # theirs is kept


def test_a_refused_press_costs_the_read_that_says_whether_to_audit_it(client_as, emulator):
    client = client_as("carol")  # reads acme, no admin rights: Quay refuses her presses
    clear_log(emulator)
    client.post("/repo/acme/nginx/sync-now/", {"view": "row"}, **HX)
    assert sorted(calls(emulator)) == sorted(
        [
            "POST repository/acme/nginx/mirror/sync-now",
            "GET repository/acme/nginx",  # does Quay show her the repository? (audited)
            "GET repository/acme/nginx/mirror",  # the row after the press
        ]
    )


def test_the_audit_page_costs_a_listing_a_namespace_and_a_config_a_repository_shown(
    client_as, emulator
):
    from dashboard.mirrors.models import AuditEntry

    AuditEntry.objects.create(username="bob", namespace="acme", repository="nginx", action="update")
    client = client_as("carol")  # her namespaces: carol, acme
    clear_log(emulator)
    client.get("/audit/")
    assert sorted(calls(emulator)) == sorted(
        [
            "GET user/",
            "GET repository/mirror/health",  # a superuser? (403 for her)
            "GET repository",  # the listing of carol
            "GET repository",  # the listing of acme
            "GET repository/acme/nginx/mirror",  # may she read its values?
        ]
    )


# The finished mirrors alice's page drawn whole shows (SUCCESS, FAIL, CANCEL; none running).
FINISHED = {
    "acme/nginx",
    "acme/redis",
    "acme/etcd",
    "acme/postgres",
    "acme/debian",
    "acme/golang",
    "acme/orphan",
    "acme/flaky",
    "globex/mysql",
    "globex/traefik",
    "initech/grafana",
    "alice/tools",
}


def _last_result_cell(html: str, full_name: str) -> str:
    from tests.support.overview import row_html

    cell = row_html(html, full_name).split('class="hide-narrow last-result"', 1)[1]
    return cell.split("</td>", 1)[0]


def _logs_read(made: list[str]) -> list[str]:
    return [
        c.removeprefix("GET repository/").removesuffix("/logs") for c in made if c.endswith("/logs")
    ]


def test_the_whole_page_reads_each_finished_rows_log_once_for_its_last_result(client_as, emulator):
    """Without JavaScript (``?details=all``) the Last result column says what it says with
    it: when, and for a failure Quay's reason. One log read a finished row -- none twice:
    the logs read to tell whether a row is stuck (an overdue retry) serve too."""
    client = client_as("alice")
    clear_log(emulator)
    html = client.get("/?details=all").content.decode()
    logs = _logs_read(calls(emulator))
    # Once each: every finished row's, and the queued acme/busybox's (how long has it waited?)
    assert sorted(logs) == sorted(FINISHED | {"acme/busybox"})
    etcd = _last_result_cell(html, "acme/etcd")
    assert "failed" in etcd and "<time" in etcd and "Error listing repository tags" in etcd
    nginx = _last_result_cell(html, "acme/nginx")
    assert "succeeded" in nginx and "<time" in nginx
    assert 'data-need="results"' not in html and "results-left" not in html


def test_the_whole_page_reads_at_most_a_batch_of_last_results(client_as, emulator, monkeypatch):
    from dashboard.mirrors.overview import page as overview

    monkeypatch.setattr(overview, "WHOLE_PAGE_RESULTS", 3)
    client = client_as("alice")
    clear_log(emulator)
    html = client.get("/?details=all").content.decode()
    logs = _logs_read(calls(emulator))
    # Read anyway, to tell whether they are stuck: a queued sync, a failed one's overdue retry.
    anyway = {"acme/busybox", "globex/traefik"}
    assert len(logs) == len(set(logs)) == len(anyway) + 3
    assert anyway <= set(logs)
    left = len(FINISHED - anyway) - 3
    assert f"for the other {left}, see their repository pages" in " ".join(html.split())


def test_the_audit_page_costs_one_call_an_organization_with_organization_mirror_entries(
    client_as, emulator
):
    from dashboard.mirrors.models import AuditEntry

    for name in ("orgmirror", "orgnew"):
        AuditEntry.objects.create(username="olivia", namespace=name, repository="", action="cancel")
    client = client_as("olivia")
    clear_log(emulator)
    client.get("/audit/")
    org_calls = [c for c in calls(emulator) if c.startswith("GET organization/")]
    assert sorted(org_calls) == [
        "GET organization/orgmirror/mirror",  # Quay shows her the mirror: its entries shown
        "GET organization/orgnew/mirror",
    ]


def test_a_new_robot_costs_one_read_more_the_namespaces_robots(client_as, emulator):
    """A robot Quay does not know is refused only after Quay stored the tag rule (which then
    ignores later changes): a new robot is checked against the namespace's robots first."""
    client = client_as("alice")
    data = form_data(page(client, "acme", "redis"))
    data["robot_username"] = "acme+ci"
    clear_log(emulator)
    response = save(client, "acme", "redis", data)
    assert response.status_code == 302
    made = calls(emulator)
    assert sorted(made[:2]) == ["GET organization/acme/robots", "GET repository/acme/redis/mirror"]
    assert made[2:] == ["PUT repository/acme/redis/mirror", "GET repository/acme/redis/mirror"]


def test_creating_a_mirror_config_costs_five_calls(client_as, emulator):
    """The config (none yet), the robots and the tags at once, the POST, one read-back."""
    client = client_as("alice")
    data = form_data(page(client, "acme", "node"))
    data.update(external_reference="docker.io/library/node", root_rule=["22*", ""])
    clear_log(emulator)
    response = save(client, "acme", "node", data)
    assert response.status_code == 302
    made = calls(emulator)
    assert sorted(made[:3]) == [
        "GET organization/acme/robots",
        "GET repository/acme/node/mirror",
        "GET repository/acme/node/tag/",
    ]
    assert made[3:] == ["POST repository/acme/node/mirror", "GET repository/acme/node/mirror"]
