"""Alerts as a channel receives them: transitions made in the emulator, seen by the watcher's
poll, handed to the rules and delivered through Apprise to a real HTTP receiver (``json://``)
and a real SMTP server (``mailto://``). One alert a run however often Quay retries it, none for
a person's Cancel, one for a recovery, one message for a burst, a failing channel retried and
its failure said."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from dashboard.mirrors import clock
from dashboard.watch.alerts import deliver, events, rules
from dashboard.watch.models import AlertRule, Delivery, Enrolment, Event, FailedRun, Mirror
from dashboard.watch.poll import poll
from tests.support.channels import HttpReceiver, http_receiver, smtp_server

from .conftest import WATCHER_TOKEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as found:
        yield found


class Watch:
    """A watched namespace, its polls at a moving ``now``, and its alerts delivered."""

    def __init__(self, emulator, namespace: str) -> None:
        self.emulator = emulator
        self.namespace = namespace
        self.now = clock.now()
        poll(namespace, self.now)  # the first poll: history, no alert

    def rule(self, url: str, *kinds: str) -> AlertRule:
        enrolment = Enrolment.objects.get(namespace=self.namespace)
        done = rules.add(enrolment, url, kinds or rules.default_events(), by="alice", now=self.now)
        assert done.ok, done.message
        return AlertRule.objects.latest("id")

    def later(self, seconds: float = 61) -> None:
        """The emulator's worker and the watcher ``seconds`` on; a poll; its alerts sent."""
        self.emulator.advance(seconds)
        self.now += timedelta(seconds=seconds + 1)
        self.poll()

    def poll(self, now: datetime | None = None) -> None:
        self.now = now or self.now
        poll(self.namespace, self.now)
        for pk in deliver.dispatch(self.namespace, self.now):
            deliver.send(pk, self.now)


def due_now(emulator, name: str) -> None:
    """The mirror's scheduled run is due now (in the emulator's time): Quay runs it with its
    3 tries, each failed try retried at the worker's next pass."""
    now = datetime.fromisoformat(emulator.control("GET", "clock")["now"].rstrip("Z"))
    start = (now - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    emulator.api("PUT", f"repository/acme/{name}/mirror", json={"sync_start_date": start})


def titles(receiver: HttpReceiver) -> list[str]:
    return [message["title"] for message in receiver.received]


def test_a_run_that_fails_on_all_three_tries_is_one_alert(emulator, enrolled, receiver):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    watch.rule(receiver.url)
    emulator.control("POST", "mirror/acme/redis/fail", json={"reason": "auth_failed", "runs": 0})
    due_now(emulator, "redis")
    for _ in range(4):  # its 3 tries, a poll after each, and one more
        watch.later(61)
    assert titles(receiver) == ["acme/redis failed: Authentication refused"]
    message = receiver.received[0]["message"]
    assert "Quay's reason: " in message and "authentication required" in message
    assert "What to do: The source refused the mirror's credentials" in message
    assert "http://127.0.0.1:8000/repo/acme/redis/" in message
    # etcd failed before watching, and its retries since are the same run: no alert.
    assert "etcd" not in message
    # "gave up" is an event of its own, for rules that ask for it.
    assert Event.objects.filter(kind="gave_up", subject="repository:redis").count() == 1


def test_gave_up_is_told_to_a_rule_that_asks_for_it_once_the_retries_are_used(
    emulator, enrolled, receiver
):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    watch.rule(receiver.url, "gave_up")
    emulator.control("POST", "mirror/acme/redis/fail", json={"reason": "auth_failed", "runs": 0})
    due_now(emulator, "redis")
    watch.later(31)
    assert titles(receiver) == []
    watch.later(61)
    watch.later(61)
    # etcd's run began before watching; its last try failed since: it gave up too.
    assert titles(receiver) == ["acme: 2 mirrors gave up"]
    message = receiver.received[0]["message"]
    assert "- acme/redis (repository mirror): last try failed at" in message
    assert "- acme/etcd (repository mirror): last try failed at" in message


def test_a_persons_cancel_is_no_alert_and_the_missed_run_after_it_is(emulator, enrolled, receiver):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    watch.rule(receiver.url)
    emulator.api("POST", "repository/acme/nginx/mirror/sync-now", user="alice")
    emulator.advance(2)
    emulator.api("POST", "repository/acme/nginx/mirror/sync-cancel", user="alice")
    watch.later(61)
    watch.later(61)
    assert titles(receiver) == []
    # Its next scheduled run (6 h on) comes and goes: Quay does not run it (no retries left).
    watch.poll(watch.now + timedelta(hours=7))
    # (debian, cancelled before watching, and postgres, left with no retries, missed theirs.)
    assert titles(receiver) == ["acme: 3 mirrors will not run again"]
    message = receiver.received[0]["message"]
    assert "- acme/nginx (repository mirror): missed its run at" in message
    assert "Why: it was cancelled, and Quay's worker runs" in message
    assert "What to do: Press Sync now" in message


def test_a_success_after_a_failure_is_one_recovered_alert(emulator, enrolled, receiver):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    watch.rule(receiver.url)
    emulator.control("DELETE", "mirror/acme/etcd/fail")
    watch.later(121)  # its retry succeeds
    watch.later(61)
    assert titles(receiver) == ["acme/etcd recovered"]
    assert "http://127.0.0.1:8000/repo/acme/etcd/" in receiver.received[0]["message"]


def test_a_burst_of_failures_is_one_message_naming_their_shared_cause(emulator, enrolled, receiver):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    watch.rule(receiver.url)
    burst = ("nginx", "redis", "orphan")
    for name in burst:
        emulator.control("POST", f"mirror/acme/{name}/fail", json={"reason": "auth_failed"})
        emulator.api("POST", f"repository/acme/{name}/mirror/sync-now", user="alice")
    watch.later(61)
    assert len(receiver.received) == 1
    (message,) = receiver.received
    # The subject names the shared cause, as a single failure's does.
    assert message["title"] == "acme: 3 mirrors from docker.io failed: Authentication refused"
    body = message["message"]
    assert body.startswith(
        "3 mirrors from docker.io failed: Authentication refused\n"
        "What to do: The source refused the mirror's credentials"
    )
    assert body.count("What to do:") == 1
    # Quay's one reason for them all is said once, then each mirror with its time and link.
    assert body.count("authentication required") == 1
    assert (
        "\nQuay's reason (the same for all 3): Error listing repository tags: fetching tags "
        "list: unauthorized: authentication required\n- acme/nginx (repository mirror): failed at "
    ) in body
    for name in burst:
        assert f"- acme/{name} (repository mirror): failed at " in body
        assert f"UTC\n  http://127.0.0.1:8000/repo/acme/{name}/\n" in body


def test_a_burst_of_one_cause_with_different_reasons_says_each(emulator, enrolled, receiver):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    watch.rule(receiver.url)
    for name in ("nginx", "redis"):  # skopeo's words name the time: a few seconds apart
        emulator.control("POST", f"mirror/acme/{name}/fail", json={"reason": "tls_error"})
        emulator.api("POST", f"repository/acme/{name}/mirror/sync-now", user="alice")
        emulator.advance(5)
    watch.later(61)
    (message,) = receiver.received
    assert message["title"] == "acme: 2 mirrors from docker.io failed: TLS problem"
    body = message["message"]
    assert "the same for all" not in body
    assert body.count("\n  Quay's reason: Error listing repository tags:") == 2
    assert body.count("certificate has expired or is not yet valid") == 2


def test_an_alert_reaches_an_smtp_server_by_mail(emulator, enrolled):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    with smtp_server() as mailbox:
        watch.rule(mailbox.url, "failed")
        emulator.control("POST", "mirror/acme/redis/fail", json={"reason": "not_found"})
        emulator.api("POST", "repository/acme/redis/mirror/sync-now", user="alice")
        watch.later(61)
    assert len(mailbox.mails) == 1 and mailbox.recipients == [["ops@example.com"]]
    assert mailbox.mails[0]["Subject"].startswith("acme/redis failed:")
    assert "/repo/acme/redis/" in mailbox.text()


def test_a_burst_by_mail_names_the_cause_in_its_subject_and_the_reason_once(emulator, enrolled):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    with smtp_server() as mailbox:
        watch.rule(mailbox.url, "failed")
        for name in ("redis", "orphan"):
            emulator.control("POST", f"mirror/acme/{name}/fail", json={"reason": "auth_failed"})
            emulator.api("POST", f"repository/acme/{name}/mirror/sync-now", user="alice")
        watch.later(61)
    (mail,) = mailbox.mails
    assert mail["Subject"] == "acme: 2 mirrors from docker.io failed: Authentication refused"
    text = mailbox.text().replace("\r\n", "\n")  # a mail's lines end in CRLF
    assert (
        "Quay's reason (the same for both): Error listing repository tags: fetching tags list: "
        "unauthorized: authentication required\n"
    ) in text
    assert text.count("authentication required") == 1
    assert "- acme/redis (repository mirror): failed at " in text
    assert "- acme/orphan (repository mirror): failed at " in text


def test_a_failing_channel_is_retried_with_back_off_and_its_failure_said(
    emulator, enrolled, receiver
):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    rule = watch.rule(receiver.url)
    receiver.failures = 1  # the first post answers 500
    emulator.control("DELETE", "mirror/acme/etcd/fail")
    watch.later(121)
    rule.refresh_from_db()
    assert receiver.received == [] and rule.last_delivered_at is None
    assert "500" in rule.last_failure and "s3cr3t" not in rule.last_failure
    (waiting,) = Delivery.objects.filter(state="pending")
    assert waiting.tries == 1 and waiting.next_try_at == watch.now + timedelta(seconds=30)
    # Not before its time; then once, whoever ticks.
    assert deliver.take_due(watch.now + timedelta(seconds=10), lambda pk: None) == []
    taken: list[int] = []
    later = watch.now + timedelta(seconds=31)
    assert deliver.take_due(later, taken.append) == [waiting.pk]
    assert deliver.take_due(later, taken.append) == []
    deliver.send(taken[0], later)
    rule.refresh_from_db()
    assert titles(receiver) == ["acme/etcd recovered"] and rule.last_delivered_at == later


def test_a_delivery_is_given_up_after_its_last_try(emulator, enrolled, receiver, settings):
    settings.ALERT_RETRY_SECONDS = [1]
    enrolled("acme")
    watch = Watch(emulator, "acme")
    rule = watch.rule(receiver.url)
    receiver.failures = 5
    emulator.control("DELETE", "mirror/acme/etcd/fail")
    watch.later(121)
    (delivery,) = Delivery.objects.all()
    deliver.send(delivery.pk, watch.now + timedelta(seconds=2))
    delivery.refresh_from_db()
    rule.refresh_from_db()
    assert delivery.state == "failed" and "given up after 2 tries" in rule.last_failure


def test_two_dispatches_hand_an_event_on_once(emulator, enrolled, receiver):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    watch.rule(receiver.url)
    emulator.control("DELETE", "mirror/acme/etcd/fail")
    emulator.advance(121)
    poll("acme", watch.now + timedelta(seconds=122))
    first = deliver.dispatch("acme", watch.now)
    assert len(first) == 1 and deliver.dispatch("acme", watch.now) == []
    # Noting the same transition again keeps one row.
    event = Event.objects.get(kind="recovered", subject="repository:etcd")
    assert (
        events.note(event.enrolment_id, event.mirror, "acme", event.kind, event.key, event.at)
        is None
    )


def test_a_refused_watch_token_is_one_watching_broken_alert(emulator, enrolled, receiver):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    watch.rule(receiver.url)
    emulator.control("DELETE", f"tokens/{WATCHER_TOKEN}")
    watch.later(61)
    watch.later(700)
    assert titles(receiver) == ["Watching acme is broken"]
    assert "Quay refused the watch token" in receiver.received[0]["message"]


def test_a_repository_of_an_organization_mirror_that_fails_is_an_alert(
    emulator, enrolled, receiver
):
    enrolled("orgmirror")
    watch = Watch(emulator, "orgmirror")
    watch.rule(receiver.url, "failed")
    for _ in range(3):
        watch.later(61)
    assert "orgmirror/broken failed: Timed out" in titles(receiver)
    message = receiver.received[titles(receiver).index("orgmirror/broken failed: Timed out")]
    assert "repository of an organization mirror" in message["message"]
    assert "from quay.example.com" in message["message"]


def test_a_sync_stuck_before_watching_is_no_alert(emulator, enrolled, receiver):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    for _ in range(10):  # the first indexing reads every config, acme/python's (stuck) too
        watch.later(61)
    assert Event.objects.filter(kind="stuck", subject="repository:python").exists()
    watch.rule(receiver.url)
    watch.later(61)
    assert not any("python" in t for t in titles(receiver))


def test_a_sync_whose_worker_died_is_one_stuck_alert(emulator, enrolled, receiver):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    watch.rule(receiver.url, "stuck")
    # Runs that outlast their 12 h lease: as if their worker died. ubuntu's start date is in 2
    # days, so no worker takes its sync again before then.
    emulator.configure(sync_duration=15 * 3600)
    emulator.api("POST", "repository/acme/ubuntu/mirror/sync-now", user="alice")
    watch.later(61)
    assert receiver.received == []
    watch.later(12 * 3600)
    watch.later(61)
    said = [m["message"] for m in receiver.received]
    assert sum("- acme/ubuntu (repository mirror): stuck since" in m for m in said) == 1
    message = next(m for m in said if "acme/ubuntu" in m)
    assert "What to do: Cancel it, then press Sync now." in message
    assert "lease on this sync ran out" in message
    # acme/python was stuck before watching began: no news.
    assert not any("acme/python" in m for m in said)


def test_a_hundred_mirrors_failing_within_a_minute_are_at_most_two_messages(
    emulator, enrolled, receiver
):
    emulator.reset(repos=1000)  # 250 more mirrors in acme, half of them synced
    enrolled("acme")
    watch = Watch(emulator, "acme")
    for _ in range(10):  # the first indexing, paced
        if Enrolment.objects.get(namespace="acme").indexed_at:
            break
        watch.later(61)
    watch.rule(receiver.url, "failed")
    idle = [
        m.name
        for m in Mirror.objects.filter(namespace="acme", kind="repository", present=True)
        if m.config and m.sync_status in ("SUCCESS", "NEVER_RUN", "CANCEL")
    ]
    burst = sorted(idle)[:100]
    assert len(burst) == 100
    for name in burst:
        emulator.control("POST", f"mirror/acme/{name}/fail", json={"reason": "auth_failed"})
        emulator.api("POST", f"repository/acme/{name}/mirror/sync-now", user="alice")
    watch.later(30)
    watch.later(30)
    assert 1 <= len(receiver.received) <= 2
    said = "\n".join(m["message"] for m in receiver.received)
    assert all(f"/repo/acme/{name}/\n" in said for name in burst)
    assert said.count("failed: Authentication refused") <= 2 * len(
        {m.source.split("/")[0] for m in Mirror.objects.filter(namespace="acme", name__in=burst)}
    )


def test_a_channels_url_is_in_no_log_record(emulator, enrolled, receiver, caplog):
    caplog.set_level(logging.DEBUG)
    enrolled("acme")
    watch = Watch(emulator, "acme")
    watch.rule(receiver.url)
    receiver.failures = 1
    emulator.control("DELETE", "mirror/acme/etcd/fail")
    watch.later(121)
    deliver.send(Delivery.objects.get().pk, watch.now + timedelta(seconds=31))
    assert receiver.received and caplog.records
    # Apprise's own records (which name the URL at DEBUG) reach none of the dashboard's
    # handlers: its logger does not propagate (pytest's capture attaches to it regardless).
    assert logging.getLogger("apprise").propagate is False
    ours = [r for r in caplog.records if not r.name.startswith("apprise")]
    assert ours and not [r for r in ours if "s3cr3t" in r.getMessage()]


def test_the_owner_of_a_rule_is_told_by_mail_once_when_its_channel_starts_failing(
    emulator, enrolled, receiver, settings
):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    with smtp_server() as mailbox:
        settings.ALERT_MAIL_URL = f"mailto://127.0.0.1:{mailbox.port}?from=mirrors@example.com"
        rule = watch.rule(receiver.url)
        AlertRule.objects.filter(pk=rule.pk).update(owner_email="alice@example.com")
        receiver.failures = 2
        emulator.control("DELETE", "mirror/acme/etcd/fail")
        watch.later(121)
        (delivery,) = Delivery.objects.all()
        deliver.send(delivery.pk, watch.now + timedelta(seconds=31))  # fails again: no 2nd mail
        deliver.send(delivery.pk, watch.now + timedelta(seconds=200))  # delivered
    assert mailbox.recipients == [["alice@example.com"]]
    assert mailbox.mails[0]["Subject"] == "Alerts of acme do not reach JSON " + (
        f"json://127.0.0.1:{receiver.port}/…"
    )
    assert "error=500" in mailbox.text() and "s3cr3t" not in mailbox.text()
    assert titles(receiver) == ["acme/etcd recovered"]


def test_a_new_run_failing_for_a_new_cause_is_an_alert_and_for_the_same_one_is_none(
    emulator, enrolled, receiver
):
    enrolled("acme")
    watch = Watch(emulator, "acme")
    watch.rule(receiver.url, "failed")
    # etcd fails (x509, "Authentication refused" as Quay classifies it) since before watching.
    emulator.control("POST", "mirror/acme/etcd/fail", json={"reason": "not_found", "runs": 0})
    emulator.api("POST", "repository/acme/etcd/mirror/sync-now", user="alice")
    watch.later(61)
    assert titles(receiver) == ["acme/etcd failed: Not found"]
    runs = FailedRun.objects.filter(namespace="acme", name="etcd").count()
    emulator.api("POST", "repository/acme/etcd/mirror/sync-now", user="alice")
    watch.later(61)
    assert FailedRun.objects.filter(namespace="acme", name="etcd").count() == runs + 1
    assert titles(receiver) == ["acme/etcd failed: Not found"]  # still failing, same cause
