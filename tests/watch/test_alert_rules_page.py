"""A watched namespace's alert rules page (``/watch/{ns}/alerts/``): only its administrators
see or set rules; a channel URL is checked by Apprise (refused with Apprise's reason), kept
sealed and never rendered back; a test is sent by the watcher and its outcome shown; every
post needs its CSRF token; ``watch notify`` adds a rule from the command line."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from dashboard.mirrors import clock
from dashboard.watch import keys
from dashboard.watch.alerts import deliver
from dashboard.watch.models import AlertRule, Delivery
from tests.support.channels import http_receiver

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-hook-token"


def add(client, url: str, *events: str):
    return client.post(
        "/watch/acme/alerts/add/", {"url": url, "events": list(events) or ["failed"]}
    )


def test_an_admin_adds_a_rule_and_its_url_is_never_shown_again(client_as, enrolled):
    enrolled("acme")
    client = client_as("alice")
    page = client.get("/watch/acme/alerts/").content.decode()
    assert "No rule yet" in page and 'name="url"' in page
    url = f"json://127.0.0.1:9/hooks/{SECRET}"
    response = add(client, url, "failed", "recovered")
    assert response.status_code == 302
    rule = AlertRule.objects.get()
    assert rule.events == ["failed", "recovered"] and rule.created_by == "alice"
    assert SECRET not in rule.sealed_url and keys.unseal(rule.sealed_url) == url
    after = client.get(response["Location"]).content.decode()
    assert "json://127.0.0.1:9/…" in after and "JSON" in after
    assert SECRET not in after
    # The Watching page links the rules, with their count.
    assert "of acme</span> (1 rule)</a>" in client.get("/watch/").content.decode()


def test_a_url_apprise_cannot_use_is_refused_with_apprises_reason(client_as, enrolled):
    enrolled("acme")
    client = client_as("alice")
    response = add(client, f"nosuchservice://{SECRET}@example.com/x")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Apprise cannot send to this URL: Unparseable URL" in page
    assert SECRET not in page and not AlertRule.objects.exists()
    no_events = client.post("/watch/acme/alerts/add/", {"url": "json://127.0.0.1:9/x"})
    assert "Choose at least one event" in no_events.content.decode()


def test_a_member_who_is_no_admin_neither_sees_nor_sets_rules(signed_in, enrolled):
    enrolled("acme")
    add(signed_in("alice"), f"json://127.0.0.1:9/hooks/{SECRET}")
    rule = AlertRule.objects.get()
    carol = signed_in("carol")
    response = carol.get("/watch/acme/alerts/")
    assert response.status_code == 302
    said = carol.get(response["Location"]).content.decode()
    assert "Only an administrator of acme may see or change its alert rules" in said
    assert "127.0.0.1:9" not in said and "/watch/acme/alerts/" not in said
    add(carol, "json://127.0.0.1:9/other")
    carol.post(f"/watch/acme/alerts/{rule.pk}/remove/")
    carol.post(f"/watch/acme/alerts/{rule.pk}/test/")
    assert list(AlertRule.objects.values_list("pk", flat=True)) == [rule.pk]
    assert not Delivery.objects.exists()


def test_a_read_only_superuser_may_not_set_rules(client_as, enrolled):
    enrolled("acme")
    dave = client_as("dave")
    assert dave.get("/watch/acme/alerts/").status_code == 302
    add(dave, "json://127.0.0.1:9/x")
    assert not AlertRule.objects.exists()


def test_every_post_needs_its_csrf_token(strict_client_as, enrolled):
    enrolled("acme")
    client = strict_client_as("alice")
    response = add(client, "json://127.0.0.1:9/x")
    assert response.status_code == 403 and not AlertRule.objects.exists()


def test_a_test_is_sent_by_the_watcher_and_its_outcome_shown(client_as, enrolled):
    enrolled("acme")
    client = client_as("alice")
    with http_receiver() as receiver:
        add(client, receiver.url, "failed", "stuck")
        rule = AlertRule.objects.get()
        response = client.post(f"/watch/acme/alerts/{rule.pk}/test/")
        page = client.get(response["Location"]).content.decode()
        assert "A test is on its way" in page and "1 message on the way" in page
        taken: list[int] = []
        deliver.take_due(clock.now(), taken.append)
        deliver.send(taken[0], clock.now())
        assert receiver.received[0]["title"] == "Test from Mirror Dashboard: alerts of acme"
        assert "stuck" in receiver.received[0]["message"]
        assert "Delivered" in client.get("/watch/acme/alerts/").content.decode()
        receiver.failures = 1
        client.post(f"/watch/acme/alerts/{rule.pk}/test/")
        taken.clear()
        deliver.take_due(clock.now(), taken.append)
        deliver.send(taken[0], clock.now())
    page = client.get("/watch/acme/alerts/").content.decode()
    assert "Failed" in page and "Internal server error., error=500" in page
    assert "retrying" in page
    assert SECRET not in page


def test_a_rule_is_changed_keeping_its_url_and_removed(client_as, enrolled):
    enrolled("acme")
    client = client_as("alice")
    add(client, f"json://127.0.0.1:9/hooks/{SECRET}", "failed")
    rule = AlertRule.objects.get()
    client.post(f"/watch/acme/alerts/{rule.pk}/change/", {f"r{rule.pk}-events": ["recovered"]})
    rule.refresh_from_db()
    assert rule.events == ["recovered"] and SECRET in (keys.unseal(rule.sealed_url) or "")
    refused = client.post(
        f"/watch/acme/alerts/{rule.pk}/change/",
        {f"r{rule.pk}-events": ["failed"], f"r{rule.pk}-url": "bogus"},
    )
    assert refused.status_code == 400 and "Apprise cannot send" in refused.content.decode()
    client.post(f"/watch/acme/alerts/{rule.pk}/remove/")
    assert not AlertRule.objects.exists()


def test_an_unwatched_namespace_has_no_rules_page(client_as, emulator):
    assert client_as("alice").get("/watch/acme/alerts/").status_code == 404


def test_the_failures_view_links_the_rules_of_namespaces_the_person_administers(
    client_as, enrolled
):
    from dashboard.watch.poll import poll

    enrolled("acme")
    poll("acme")
    page = client_as("alice").get("/failures/").content.decode()
    assert 'href="/watch/acme/alerts/"' in page
    assert 'href="/watch/acme/alerts/"' not in client_as("carol").get("/failures/").content.decode()


def test_watch_notify_adds_a_rule_from_the_command_line(enrolled, capsys):
    enrolled("acme")
    call_command("watch", "notify", "acme", f"json://127.0.0.1:9/{SECRET}", "--events", "failed")
    rule = AlertRule.objects.get()
    assert rule.events == ["failed"]
    with pytest.raises(CommandError, match="Apprise cannot send to this URL"):
        call_command("watch", "notify", "acme", "nope://x")
    with pytest.raises(CommandError, match="not watched"):
        call_command("watch", "notify", "globex", "json://127.0.0.1:9/x")
    call_command("watch", "alerts")
    listed = capsys.readouterr().out
    assert "acme rule" in listed and SECRET not in listed


def test_a_test_the_watcher_has_not_sent_says_so(client_as, enrolled):
    from datetime import timedelta

    enrolled("acme")
    client = client_as("alice")
    add(client, "json://127.0.0.1:9/x")
    rule = AlertRule.objects.get()
    client.post(f"/watch/acme/alerts/{rule.pk}/test/")
    assert "Not sent yet" not in client.get("/watch/acme/alerts/").content.decode()
    Delivery.objects.update(created_at=clock.now() - timedelta(minutes=5))
    page = client.get("/watch/acme/alerts/").content.decode()
    assert "Not sent yet" in page and "is the watcher running" in page


def test_a_rule_keeps_whom_to_tell_by_mail_when_its_channel_fails(client_as, enrolled, settings):
    enrolled("acme")
    client = client_as("alice")
    settings.ALERT_MAIL_URL = "mailto://127.0.0.1:9?from=m@x.test"
    page = client.get("/watch/acme/alerts/").content.decode()
    assert "sends no mail of its own" not in page and "disabled" not in field(page, "owner_email")
    form = {"url": "json://127.0.0.1:9/x", "events": ["failed"], "owner_email": "alice@x.test"}
    client.post("/watch/acme/alerts/add/", form)
    assert AlertRule.objects.get().owner_email == "alice@x.test"
    bad = client.post("/watch/acme/alerts/add/", {**form, "owner_email": "not an address"})
    assert bad.status_code == 400 and "valid email" in bad.content.decode()


def field(page: str, name: str, value: str = "") -> str:
    """The first ``<input>`` of ``page`` named ``name`` (and with ``value``, if given)."""
    start = page.index(f'name="{name}"' + (f' value="{value}"' if value else ""))
    return page[page.rindex("<input", 0, start) : page.index(">", start) + 1]


def test_without_mail_of_its_own_the_owners_address_is_not_offered_and_refused(
    client_as, enrolled, settings
):
    """Where ALERT_MAIL_URL is not set nobody can be told by mail: the field is disabled with
    the reason beside it, a post that sets it anyway is refused with that reason (what else was
    typed kept), and changing a rule keeps the address it has."""
    settings.ALERT_MAIL_URL = ""
    enrolled("acme")
    client = client_as("alice")
    page = client.get("/watch/acme/alerts/").content.decode()
    box = field(page, "owner_email")
    assert "disabled" in box and 'aria-describedby="id_owner_email-why"' in box
    assert 'id="id_owner_email-why">This dashboard sends no mail of its own' in page
    form = {"url": "json://127.0.0.1:9/x", "events": ["stuck"], "owner_email": "alice@x.test"}
    refused = client.post("/watch/acme/alerts/add/", form)
    said = refused.content.decode()
    assert refused.status_code == 400 and not AlertRule.objects.exists()
    assert "sends no mail of its own (ALERT_MAIL_URL is not set): nobody can be told" in said
    assert "checked" in field(said, "events", "stuck")  # what was typed, kept
    assert "checked" not in field(said, "events", "failed")
    assert 'value="alice@x.test"' in said  # kept, to be seen and emptied
    assert "never sent back to the browser: enter it again" in said  # the URL, not kept
    client.post("/watch/acme/alerts/add/", {**form, "owner_email": ""})
    rule = AlertRule.objects.get()
    AlertRule.objects.filter(pk=rule.pk).update(owner_email="bob@x.test")  # set while mail was
    client.post(f"/watch/acme/alerts/{rule.pk}/change/", {f"r{rule.pk}-events": ["failed"]})
    rule.refresh_from_db()
    assert rule.events == ["failed"] and rule.owner_email == "bob@x.test"


def test_no_rule_is_kept_where_the_dashboard_is_exposed_without_keys_of_its_own(
    client_as, enrolled, settings
):
    enrolled("acme")
    settings.EXPOSED, settings.WATCH_TOKEN_KEYS = True, []
    client = client_as("alice")
    assert "Set WATCH_TOKEN_KEYS" in client.get("/watch/acme/alerts/").content.decode()
    response = add(client, "json://127.0.0.1:9/x")
    said = client.get(response["Location"]).content.decode()
    assert "Alerts are off" in said and not AlertRule.objects.exists()


def test_a_channel_on_a_private_address_is_refused_where_private_channels_are_off(
    client_as, enrolled, settings
):
    """Exposed, the dashboard sends alerts to public addresses only: a namespace's admin may
    not aim the watcher at the networks it stands in (checked when saved and again when
    sent: a name may resolve elsewhere later)."""
    enrolled("acme")
    client = client_as("alice")
    settings.ALERT_PRIVATE_CHANNELS = False
    for url in (
        "json://127.0.0.1:9/x",
        "json://10.1.2.3/x",
        "json://[::1]:9/x",
        "json://localhost/x",
    ):
        page = add(client, url).content.decode()
        assert "this dashboard sends alerts to public addresses only" in page, url
    assert not AlertRule.objects.exists()
    with http_receiver() as receiver:
        settings.ALERT_PRIVATE_CHANNELS = True  # e.g. an internal webhook, allowed
        add(client, receiver.url, "failed")
        rule = AlertRule.objects.get()
        client.post(f"/watch/acme/alerts/{rule.pk}/test/")
        settings.ALERT_PRIVATE_CHANNELS = False  # turned off since the rule was saved
        taken: list[int] = []
        deliver.take_due(clock.now(), taken.append)
        delivery = deliver.send(taken[0], clock.now())
    assert receiver.received == []
    assert "Not sent: its host 127.0.0.1 is not a public address" in delivery.error


def test_opening_the_add_address_again_goes_to_the_rules_page(client_as, enrolled):
    """After a refused URL the address bar shows .../alerts/add/: reopened, the rules page."""
    enrolled("acme")
    client = client_as("alice")
    response = client.get("/watch/acme/alerts/add/")
    assert response.status_code == 302 and response["Location"] == "/watch/acme/alerts/"
    assert 'name="url"' in client.get("/watch/acme/alerts/add/", follow=True).content.decode()


def test_a_channels_user_part_is_masked_whole_and_its_host_shown(client_as, enrolled):
    """A channel's user part is often a token or an account id (``pover://userkey@…``): the
    page shows the service and host it is recognised by, the user part masked as the
    password is (Apprise's privacy form masks tokens elsewhere in the address)."""
    enrolled("acme")
    client = client_as("alice")
    said = ""
    for url in (
        "json://hookuser-7f3a:pw-91c2@127.0.0.1:9/x",
        "pover://userkey-5d1e@apptoken-77b0",
        "tgram://123456789:bottoken-ABCdefGHIjklMNOpq/12345",
    ):
        response = add(client, url)
        said += client.get(response["Location"]).content.decode()
    assert "json://****@127.0.0.1:9/…" in said
    assert "pover://****@a...0/…" in said and "tgram://1...q/…" in said
    for secret in ("hookuser-7f3a", "pw-91c2", "userkey-5d1e", "apptoken-77b0", "bottoken"):
        assert secret not in said, secret


def test_rules_saved_before_have_their_user_part_masked_by_the_migration(client_as, enrolled):
    import importlib

    from django.apps import apps

    enrolled("acme")
    client = client_as("alice")
    add(client, "json://127.0.0.1:9/x")
    AlertRule.objects.update(shown="json://hookuser-7f3a:****@127.0.0.1:9/…")  # as it was
    importlib.import_module(
        "dashboard.watch.migrations.0007_alertrule_shown_without_user"
    ).mask_users(apps, None)
    page = client.get("/watch/acme/alerts/").content.decode()
    assert "json://****@127.0.0.1:9/…" in page and "hookuser-7f3a" not in page


def test_latest_messages_show_what_each_said_as_the_channel_received_it(client_as, enrolled):
    """Not only "1 event · delivered": each message's title and body as sent (escaped), one
    not tried yet said so; never the channel's URL."""
    import html

    enrolled("acme")
    client = client_as("alice")
    with http_receiver() as receiver:
        add(client, f"{receiver.url}?token={SECRET}", "failed", "stuck")
        rule = AlertRule.objects.get()
        client.post(f"/watch/acme/alerts/{rule.pk}/test/")
        page = client.get("/watch/acme/alerts/").content.decode()
        assert "Its words are written when the watcher first tries to send it." in page
        taken: list[int] = []
        deliver.take_due(clock.now(), taken.append)
        deliver.send(taken[0], clock.now())
        got = receiver.received[0]
    page = client.get("/watch/acme/alerts/").content.decode()
    said = page[page.index("Latest messages") :]
    title = said[said.index("<q data-said-title>") + 19 : said.index("</q>")]
    body = said[said.index("<pre data-said-body>") + 20 : said.index("</pre>")]
    assert html.unescape(title) == got["title"] == "Test from Mirror Dashboard: alerts of acme"
    assert html.unescape(body).strip() == got["message"].strip() and "stuck, failed." in body
    assert "written when the watcher" not in said and SECRET not in page
    Delivery.objects.update(title="<b>acme/x</b> failed", body="Quay's reason: <script>x</script>")
    page = client.get("/watch/acme/alerts/").content.decode()
    assert "&lt;b&gt;acme/x&lt;/b&gt; failed" in page and "<script>x</script>" not in page
