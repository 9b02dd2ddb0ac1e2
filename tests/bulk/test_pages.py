"""The pages of a bulk settings change: from the overview's selection to the form, the
preview, Apply and the results, opened again later."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.mirrors.models import AuditEntry, BulkRun
from dashboard.mirrors.operations import bulk
from tests.support.received import calls, clear_log

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("immediate_tasks")]

UNITS = {"sync_interval_unit": "hours", "skopeo_timeout_unit": "minutes"}


def chosen(client, *repos: str, orgs: tuple[str, ...] = ()) -> str:
    response = client.post("/bulk/settings/", {"repo": list(repos), "org": list(orgs)})
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_selection_becomes_a_form_of_only_the_fields_to_change(alice) -> None:
    url = chosen(alice, "acme/nginx", "acme/redis")
    page = alice.get(url)
    assert page.status_code == 200
    said = text(page)
    assert "Change 2 mirrors" in said and "acme/nginx" in said and "acme/redis" in said
    assert 'name="external_registry_password"' in page.content.decode()
    assert "an empty field is left as each mirror has it" in said


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("external_registry_password", "Sent with each mirror's username"),
        ("robot_username", "A robot's short name (mirror: acme+mirror"),
        ("sync_start_date", "In your time zone, and still to come."),
        ("spread", "Each mirror starts at its own moment"),
        ("clear_proxies", "Every selected mirror then connects to its source without a proxy."),
    ],
)
def test_the_words_under_a_field_are_the_ones_its_input_names(alice, name, words) -> None:
    # A screen reader reads them with the field: the input's aria-describedby names them.
    page = alice.get(chosen(alice, "acme/nginx")).content.decode()
    field = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert field and f'aria-describedby="id_{name}_helptext"' in field.group(0)
    shown = re.search(rf'<small class="muted" id="id_{name}_helptext">([^<]*)</small>', page)
    assert shown and words in html.unescape(shown.group(1))


def test_the_htmx_press_on_the_overview_goes_to_the_form(alice) -> None:
    response = alice.post("/bulk/settings/", {"repo": ["acme/nginx"]}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith("/bulk/runs/")


def test_nothing_selected_says_so(alice) -> None:
    response = alice.post("/bulk/settings/", {"next": "/"}, follow=True)
    assert "Select at least one mirror first" in text(response)


def test_preview_apply_and_results_again(emulator, alice) -> None:
    url = chosen(alice, "acme/nginx", "acme/redis")
    clear_log(emulator)
    response = alice.post(url + "preview/", {**UNITS, "sync_interval_value": "12"})
    assert response.status_code == 302
    assert sorted(calls(emulator)) == [
        "GET repository/acme/nginx/mirror",
        "GET repository/acme/redis/mirror",
    ]
    preview = text(alice.get(url))
    assert "1 will be sent · 1 unchanged (not sent)" in preview
    assert "interval 6 hours 12 hours will send" in preview
    assert "nothing would change: not sent" in preview
    assert "Apply to 1 mirror" in preview
    response = alice.post(url + "apply/")
    assert response.status_code == 302
    results = text(alice.get(url))
    assert "Done: 1 of 1" in results and "1 applied" in results
    assert emulator.mirror("acme", "nginx")["sync_interval"] == 12 * 3600
    # A second Apply (a second tab, a double press) applies nothing more.
    clear_log(emulator)
    alice.post(url + "apply/")
    assert calls(emulator) == []
    # The run is found again from the list, and says the same.
    listing = alice.get("/bulk/runs/")
    assert url in listing.content.decode() and "interval" in text(listing)
    assert "1 applied" in text(alice.get(url))
    assert AuditEntry.objects.filter(repository="nginx", action="update").count() == 1


def test_a_value_the_form_refuses_is_said_and_nothing_read(emulator, alice) -> None:
    url = chosen(alice, "acme/nginx")
    clear_log(emulator)
    response = alice.post(url + "preview/", {**UNITS, "skopeo_timeout_value": "1"})
    assert response.status_code == 400
    assert "The timeout must be at least 5 minutes" in text(response)
    assert calls(emulator) == []
    assert 'value="1"' in response.content.decode()  # what was typed comes back


@pytest.mark.parametrize(
    ("field", "typed", "said"),
    [
        ("sync_interval_value", "0", "the interval must be at least 1 minute"),
        ("sync_interval_value", "-3", "the interval must be at least 1 minute"),
        ("skopeo_timeout_value", "0", "The timeout must be at least 5 minutes"),
    ],
)
def test_a_zero_or_less_gets_the_settings_forms_words(emulator, alice, field, typed, said) -> None:
    """The bound in the settings form's words, as a mirror's own form says it (not Django's
    "Ensure this value is greater than or equal to 1"), and what was typed kept."""
    url = chosen(alice, "acme/nginx")
    clear_log(emulator)
    response = alice.post(url + "preview/", {**UNITS, field: typed})
    assert response.status_code == 400
    assert said in text(response)
    assert "greater than or equal" not in text(response)
    assert calls(emulator) == []
    assert f'name="{field}" value="{typed}"' in response.content.decode()


def test_removing_the_proxies_and_typing_one_is_refused_and_kept(emulator, alice) -> None:
    url = chosen(alice, "acme/nginx")
    clear_log(emulator)
    values = {**UNITS, "clear_proxies": "on", "http_proxy": "http://proxy.acme:3128"}
    response = alice.post(url + "preview/", values)
    assert response.status_code == 400
    assert "Type a proxy or remove them all, not both." in text(response)
    assert 'value="http://proxy.acme:3128"' in response.content.decode()  # what was typed
    assert calls(emulator) == []


def test_the_password_never_comes_back(emulator, alice) -> None:
    secret = "Rotated-Pw-99"
    url = chosen(alice, "acme/nginx", "acme/redis")
    values = {**UNITS, "external_registry_username": "puller", "external_registry_password": secret}
    alice.post(url + "preview/", values)
    for page in (alice.get(url), alice.get(url + "?edit=1")):
        assert secret not in page.content.decode()
    assert "new (not shown)" in text(alice.get(url))
    alice.post(url + "apply/")
    assert secret not in alice.get(url).content.decode()
    assert emulator.mirror("acme", "redis")["external_registry_password"] == secret


def test_the_results_part_polls_while_the_run_waits_and_stops_after(emulator, alice) -> None:
    url = chosen(alice, "acme/nginx")
    alice.post(url + "preview/", {**UNITS, "sync_interval_value": "12"})
    run = BulkRun.objects.get()
    assert bulk.start(run, "a-token", enqueue=lambda pk: None)
    part = alice.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in part and "data-poll-seconds" in part
    assert "Waiting for a worker" in re.sub(r"<[^>]+>", "", part)
    whole = alice.get(url).content.decode()
    assert 'http-equiv="refresh"' in whole  # without JavaScript: the page refreshes itself
    bulk.run(run.pk)  # (the token sealed above is no token Quay knows: not sent)
    part = alice.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "data-poll-seconds" not in part and "Done: 1 of 1" in re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", "", part)
    )


def test_someone_elses_run_is_not_found(alice, signed_in) -> None:
    url = chosen(alice, "acme/nginx")
    bob = signed_in("bob")
    assert bob.get(url).status_code == 404
    assert bob.post(url + "apply/").status_code == 404


def test_a_password_previewed_an_hour_ago_is_forgotten_not_sent(emulator, alice) -> None:
    url = chosen(alice, "acme/nginx")
    values = {**UNITS, "external_registry_username": "u", "external_registry_password": "pw-1"}
    alice.post(url + "preview/", values)
    BulkRun.objects.update(created=timezone.now() - timedelta(hours=2))
    clear_log(emulator)
    alice.post(url + "apply/")
    page = text(alice.get(url))
    assert "The password was forgotten" in page and "Apply to" not in page
    assert calls(emulator) == []
    assert BulkRun.objects.get().sealed_password == ""


def test_a_password_typed_into_a_form_that_comes_back_is_asked_again(emulator, alice) -> None:
    url = chosen(alice, "acme/nginx")
    values = {**UNITS, "external_registry_password": "pw-typed", "skopeo_timeout_value": "1"}
    response = alice.post(url + "preview/", values)
    assert response.status_code == 400
    assert "Type the password again" in text(response)
    assert "pw-typed" not in response.content.decode()


def test_nothing_selected_on_the_overview_with_htmx_says_so_on_top(alice) -> None:
    response = alice.post("/bulk/settings/", {"next": "/"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert "Select at least one mirror first" in text(response)


def test_a_run_whose_worker_stopped_can_be_applied_to_the_rest(emulator, alice) -> None:
    url = chosen(alice, "acme/nginx", "acme/ubuntu")
    alice.post(url + "preview/", {**UNITS, "sync_interval_value": "12"})
    run = BulkRun.objects.get()
    # A worker took it, saved acme/nginx, and died.
    BulkRun.objects.filter(pk=run.pk).update(
        state=BulkRun.State.RUNNING, started=timezone.now() - timedelta(hours=1)
    )
    emulator.api("PUT", "repository/acme/nginx/mirror", json={"sync_interval": 12 * 3600})
    page = text(alice.get(url))
    assert "The worker that applied this change stopped" in page
    alice.post(url + "apply/")
    results = text(alice.get(url))
    assert "Done: 2 of 2" in results
    assert "1 applied" in results and "1 not sent" in results
    assert "Quay holds these values already" in results
    assert emulator.mirror("acme", "ubuntu")["sync_interval"] == 12 * 3600


@pytest.mark.parametrize("then", ["", "preview/", "apply/"])
def test_opening_a_forms_address_again_goes_to_its_page(emulator, alice, then) -> None:
    """A form's address reopened (a reload after its answer) is its page, never a blank 405."""
    if not then:
        response = alice.get("/bulk/settings/")
        assert response.status_code == 302 and response["Location"] == "/"
        return
    url = chosen(alice, "acme/nginx")
    clear_log(emulator)
    response = alice.get(url + then)
    assert response.status_code == 302 and response["Location"] == url
    assert calls(emulator) == [] and BulkRun.objects.get().state == BulkRun.State.DRAFT


def test_after_apply_the_columns_say_before_and_what_was_asked(emulator, alice) -> None:
    url = chosen(alice, "acme/nginx")
    alice.post(url + "preview/", {**UNITS, "skopeo_timeout_value": "10"})
    preview = alice.get(url).content.decode()
    assert '<th scope="col">Now</th><th scope="col">After</th>' in preview
    alice.post(url + "apply/")
    results = alice.get(url).content.decode()
    assert '<th scope="col">Before</th><th scope="col">Asked for</th>' in results
    assert 'data-label="before">5 minutes<' in results  # the 390 px page's own labels
    assert ">Now<" not in results


def test_a_500_part_way_through_a_save_is_said_sent_and_not_applied(emulator, alice) -> None:
    """Quay failing (500) after the PUT reached it: sent, and the config read back shows none
    of it -- the single save's words, never "not sent"."""
    url = chosen(alice, "acme/nginx", "acme/redis")
    alice.post(url + "preview/", {**UNITS, "sync_interval_value": "8"})
    emulator.configure(fail_put_at={"/api/v1/repository/acme/nginx/mirror": "sync_interval"})
    clear_log(emulator)
    try:
        alice.post(url + "apply/")
    finally:
        emulator.configure(fail_put_at={})
    assert "PUT repository/acme/nginx/mirror" in calls(emulator)
    results = text(alice.get(url)).replace(" :", ":")
    assert "1 applied · 1 sent, not applied" in results
    assert (
        "sent, not applied: Quay answered with an error (HTTP 500); the settings read back show "
        "none of the changes."
    ) in results
    assert "not sent" not in results
    assert emulator.mirror("acme", "nginx")["sync_interval"] == 6 * 3600


def test_the_heading_names_only_what_changes_on_some_mirror(emulator, alice) -> None:
    url = chosen(alice, "acme/nginx", "acme/redis")
    robot = emulator.mirror("acme", "nginx")["robot_username"]
    assert emulator.mirror("acme", "redis")["robot_username"] == robot  # (the seed's)
    asked = {**UNITS, "robot_username": robot, "skopeo_timeout_value": "10"}
    alice.post(url + "preview/", asked)
    assert "Change 2 mirrors: timeout " in text(alice.get(url))
    alice.post(url + "preview/", {**UNITS, "robot_username": robot})
    assert "Change 2 mirrors: no mirror changes (asked: robot)" in text(alice.get(url))


def test_previews_not_applied_are_listed_apart(emulator, alice) -> None:
    applied = chosen(alice, "acme/nginx")
    alice.post(applied + "preview/", {**UNITS, "skopeo_timeout_value": "10"})
    alice.post(applied + "apply/")
    previewed = chosen(alice, "acme/redis")
    alice.post(previewed + "preview/", {**UNITS, "skopeo_timeout_value": "10"})
    page = alice.get("/bulk/runs/").content.decode()
    top, apart = page.split('<details id="unapplied">')
    assert f'href="{applied}"' in top and f'href="{previewed}"' not in top
    assert f'href="{previewed}"' in apart and "1 previewed or being chosen, not applied" in apart


def test_someone_elses_run_is_said_not_found_as_a_bulk_change(alice, signed_in) -> None:
    url = chosen(alice, "acme/nginx")
    carol = signed_in("carol")
    for response in (
        carol.get(url),
        carol.post(url + "preview/", UNITS),
        carol.post(url + "apply/"),
    ):
        assert response.status_code == 404
        said = text(response)
        assert "Bulk change not found" in said and "it is someone else's" in said
        assert "Repository pages are" not in said
