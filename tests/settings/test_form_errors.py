"""When the organization mirror's settings form comes back, it does what the repository form
does: a summary on top, focused, linking to each field in error; each field's message named by
its input (aria-describedby pointing at ids that exist); what was typed kept, a typed password
asked for again; "remove the stored credentials" never silently drops what was typed; a save
Quay did not answer, or a sign-in that ran out, loses nothing."""

from __future__ import annotations

import re

import pytest

from dashboard.accounts.reauth import PENDING
from dashboard.mirrors.models import AuditEntry
from tests.support.emulator import TOKENS
from tests.support.forms import form_data, page, post_form, save
from tests.support.pages import dangling, links, refs, summary, text, text_of
from tests.support.received import clear_log, writes

pytestmark = pytest.mark.django_db
ORGNEW = "/org/orgnew/mirror/"
SAVE = "/org/orgnew/mirror/settings/"


def test_an_invalid_save_puts_a_focused_summary_on_top_linking_each_field(client_as, emulator):
    client = client_as("olivia")
    data = form_data(client.get(ORGNEW))
    data.update(
        sync_interval_value="30",
        sync_interval_unit="seconds",
        robot_username="acme+mirror",
        repository_filters=["api", "my repo"],
    )
    response = post_form(client, SAVE, data)
    html = response.content.decode()
    box = summary(html)
    assert 'tabindex="-1" autofocus' in box
    assert "Nothing was saved: correct the fields marked below." in box
    assert links(html) == {
        "#glob-editor": "Repositories to mirror: “my repo”: A pattern cannot contain spaces: "
        "repository names never do.",
        "#id_robot_username": "Robot account: The robot must belong to orgnew (Quay refuses "
        "others).",
        "#id_sync_interval_value": "Sync every: Quay syncs at most once a minute.",
    }
    # The summary is in the form (the settings open), not only at the top of the page.
    assert html.index("form-error-summary") > html.index('id="edit-heading"')
    assert writes(emulator, "orgnew") == []


def test_every_aria_describedby_names_an_id_on_the_page(client_as, emulator):
    client = client_as("olivia")
    for url in ("/org/orgnew/mirror/", "/org/orgmirror/mirror/", "/org/orgempty/mirror/"):
        assert dangling(client.get(url).content.decode()) == [], url
    data = form_data(client.get(ORGNEW))
    data.update(
        external_registry_url="ftp://x",
        external_namespace="n" * 300,
        sync_interval_value="30",
        sync_interval_unit="seconds",
        robot_username="acme+mirror",
        external_registry_password="s3cret",
        http_proxy="http://a proxy",
    )
    html = post_form(client, SAVE, data).content.decode()
    assert dangling(html) == []
    found = refs(html)
    for name in (
        "external_registry_url",
        "external_namespace",
        "robot_username",
        "sync_interval_value",
        "external_registry_password",
        "http_proxy",
    ):
        assert name in found.invalid, name
        assert (name, f"id_{name}_error") in found.described, name
    assert re.search(
        r'<small class="field-error" id="id_sync_interval_value_error">Quay syncs at most once a '
        r"minute.</small>",
        html,
    )
    # Help text is named by its input too.
    assert ("external_registry_url", "id_external_registry_url_helptext") in found.described


def test_quays_refusal_is_summed_up_with_a_link_to_its_field(client_as, emulator):
    client = client_as("olivia")
    data = form_data(client.get(ORGNEW))
    data["external_registry_url"] = "http://10.1.2.3"
    html = post_form(client, SAVE, data).content.decode()
    assert "Nothing was saved." in summary(html)
    assert links(html)["#id_external_registry_url"].startswith(
        "Source registry: Quay refused this: The provided registry URL is not allowed"
    )
    assert dangling(html) == []


def test_an_interval_over_ten_years_is_refused_at_its_field(client_as, emulator):
    client = client_as("olivia")
    data = form_data(client.get(ORGNEW))
    # 4,000 days is a small number typed, but more than ten years in seconds (and 100,000
    # days would not fit Quay's int4 column: Quay would answer 500).
    for typed in ("4000", "100000", "99999999999999999999"):
        data.update(sync_interval_value=typed, sync_interval_unit="days")
        html = post_form(client, SAVE, data).content.decode()
        message = links(html)["#id_sync_interval_value"]
        assert message.startswith("Sync every: That is more than ten"), typed
    assert writes(emulator, "orgnew") == []


def test_the_start_date_says_the_time_zone_it_is_read_in(client_as, emulator):
    client = client_as("olivia")
    client.cookies["tz"] = "Europe/Berlin"
    assert "In your time zone (Europe/Berlin); Quay stores it in UTC." in text_of(
        client.get(ORGNEW)
    )


def test_a_save_quay_did_not_answer_comes_back_with_what_was_typed(client_as, emulator, settings):
    client = client_as("olivia")
    data = form_data(client.get(ORGNEW))
    data.update(visibility="private", external_namespace="platform2")
    settings.QUAY_TIMEOUT = 1
    emulator.configure(hang=["PUT /api/v1/organization/orgnew/mirror"])
    response = post_form(client, SAVE, data)
    emulator.configure(hang=[])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Quay did not answer within 1 s" in summary(html)
    assert "see what it holds before saving again" in summary(html)
    assert '<option value="private" selected>' in html
    assert 'name="external_namespace" value="platform2"' in html
    assert AuditEntry.objects.get(namespace="orgnew", action="update").outcome == "unknown"


def test_a_form_interrupted_by_a_401_comes_back_after_signing_in_again(client_as, emulator):
    client = client_as("olivia")
    data = form_data(client.get(ORGNEW))
    data.update(visibility="private", external_registry_password="s3cret")
    emulator.configure(fail={"/api/v1/organization/orgnew/mirror": 401})
    response = post_form(client, SAVE, data, HTTP_REFERER=f"http://testserver{ORGNEW}")
    emulator.configure(fail={})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    pending = client.session[PENDING]
    assert pending["path"] == ORGNEW and pending["user"] == "olivia"
    assert not any("password" in key for key in pending["data"])
    assert "has been kept" in text_of(client.get(response["Location"]))
    client.post("/accounts/login/", {"token": TOKENS["olivia"], "next": ORGNEW})
    page = client.get(ORGNEW)
    html = page.content.decode()
    assert "What you were submitting before signing in again is back in the form" in text_of(page)
    assert '<option value="private" selected>' in html
    assert "<details open>" in html
    assert writes(emulator, "orgnew") == []


def test_a_form_posted_with_a_stale_csrf_token_is_kept_for_its_page(strict_client_as, emulator):
    client = strict_client_as("olivia")
    data = form_data(client.get(ORGNEW))
    data.update(visibility="private", csrfmiddlewaretoken="x" * 64)
    response = post_form(client, SAVE, data, HTTP_REFERER=f"http://testserver{ORGNEW}")
    assert response.status_code == 302 and response["Location"] == ORGNEW
    html = client.get(ORGNEW).content.decode()
    assert "What you typed is back in the form" in html
    assert '<option value="private" selected>' in html
    assert writes(emulator, "orgnew") == []


def test_a_save_in_another_time_zone_sends_only_what_changed_not_the_start_date(
    client_as, emulator
):
    # The form was built on a worker thread (the page's calls run in parallel), where the
    # person's time zone was not active: the start date was drawn in Berlin time but read
    # back as UTC, so every save moved the next sync by an hour.
    client = client_as("olivia")
    client.cookies["tz"] = "Europe/Berlin"
    page = client.get(ORGNEW)
    assert 'name="drawn_zone" value="Europe/Berlin"' in page.content.decode()
    data = form_data(page, tz="Europe/Berlin")
    data.update(skopeo_timeout_value="6", skopeo_timeout_unit="minutes")
    clear_log(emulator)
    post_form(client, SAVE, data)
    assert writes(emulator, "orgnew") == [("PUT", {"skopeo_timeout": 360})]


def test_the_pages_calls_run_in_the_persons_time_zone():
    from django.utils import timezone

    from dashboard.quay.fanout import parallel

    with timezone.override("Europe/Berlin"):  # two calls: they run on worker threads
        outcomes = parallel(timezone.get_current_timezone_name, timezone.get_current_timezone_name)
    assert [outcome.value for outcome in outcomes] == ["Europe/Berlin", "Europe/Berlin"]


def test_the_network_section_opens_when_it_holds_a_change(alice, emulator):
    data = form_data(page(alice, "acme", "nginx"))
    data.update(http_proxy="http://proxy:3128", skopeo_timeout_value="1")

    body = text(save(alice, "acme", "nginx", data))

    assert '<details class="more" open>\n    <summary>Network (TLS, proxies)' in body
    assert '<details class="more">\n    <summary>Architectures' in body
