"""``python manage.py watch …``: the watcher from the command line.

watch enroll NAMESPACE…     watch it with the token in QUAY_WATCH_TOKEN (or on stdin)
watch remove NAMESPACE…     stop watching it (its token, index and alert rules are deleted)
watch status                each namespace: its last poll, mirrors known, any fault
watch poll NAMESPACE        one poll now, in this process (what it did)
watch run                   the watcher's worker and scheduler in one process
watch worker                a worker (as many as wanted, on any machine)
watch scheduler             the one scheduler (its tick is safe to run twice all the same)
watch notify NAMESPACE URL  tell an Apprise URL of its mirrors' events (--events …; URL "-":
                            read it from standard input, out of the shell's history)
watch alerts [NAMESPACE…]   each alert rule: its channel (masked), events, last delivery
watch new-key               a new key for WATCH_TOKEN_KEYS
watch rotate-keys           seal every token and channel URL again with the first key
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dashboard.mirrors import clock
from dashboard.watch import enrol, keys, schedule
from dashboard.watch.alerts import rules
from dashboard.watch.models import AlertRule, Enrolment, Event, Mirror
from dashboard.watch.poll import poll


class Command(BaseCommand):
    help = "The watcher: enrol namespaces, see how it goes, run its worker and scheduler."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="what", required=True)
        enroll = commands.add_parser("enroll", help="watch namespaces (token: QUAY_WATCH_TOKEN)")
        enroll.add_argument("namespaces", nargs="+")
        remove = commands.add_parser("remove", help="stop watching namespaces")
        remove.add_argument("namespaces", nargs="+")
        commands.add_parser("status", help="each watched namespace")
        commands.add_parser("reset", help="stop watching every namespace (the demo's start)")
        once = commands.add_parser("poll", help="one poll now, here")
        once.add_argument("namespace")
        for name, words in (
            ("run", "worker and scheduler in one process (scripts/run)"),
            ("worker", "a worker"),
            ("scheduler", "the scheduler"),
        ):
            commands.add_parser(name, help=words)
        notify = commands.add_parser("notify", help="an alert rule: events to an Apprise URL")
        notify.add_argument("namespace")
        notify.add_argument("url", help='an Apprise URL, or "-" to read it from standard input')
        notify.add_argument(
            "--events",
            nargs="+",
            default=rules.default_events(),
            choices=Event.Kind.values,
            help=f"the events to tell (default: {' '.join(rules.default_events())})",
        )
        listing = commands.add_parser("alerts", help="the alert rules")
        listing.add_argument("namespaces", nargs="*")
        commands.add_parser("new-key", help="a new key for WATCH_TOKEN_KEYS")
        commands.add_parser("rotate-keys", help="seal every token with the first key")

    def handle(self, *args: Any, what: str, **options: Any) -> None:
        getattr(self, f"_{what.replace('-', '_')}")(**options)

    # -- enrolment ----------------------------------------------------------------------------

    def _enroll(self, namespaces: list[str], **_: Any) -> None:
        token = os.environ.get("QUAY_WATCH_TOKEN") or ""
        if not token and not sys.stdin.isatty():
            token = sys.stdin.readline()
        if not token.strip():
            raise CommandError("Give the watch token in QUAY_WATCH_TOKEN or on standard input.")
        who = os.environ.get("USER") or "the command line"
        failed = False
        for namespace in namespaces:
            done = enrol.enrol(namespace, token, enrolled_by=who, now=clock.now())
            (self.stdout if done.ok else self.stderr).write(done.message)
            failed = failed or not done.ok
        if failed:
            raise CommandError("Not every namespace was enrolled.")

    def _remove(self, namespaces: list[str], **_: Any) -> None:
        who = os.environ.get("USER") or "the command line"
        for namespace in namespaces:
            self.stdout.write(enrol.remove(namespace, removed_by=who).message)

    def _reset(self, **_: Any) -> None:
        deleted = Enrolment.objects.count()
        Enrolment.objects.all().delete()
        self.stdout.write(f"{deleted} namespace{'s' if deleted != 1 else ''} no longer watched.")

    def _status(self, **_: Any) -> None:
        now = clock.now()
        enrolments = list(Enrolment.objects.all())
        if not enrolments:
            self.stdout.write("No namespace is watched.")
        for item in enrolments:
            mirrors = Mirror.objects.filter(enrolment=item, present=True).count()
            last = (
                f"{(now - item.last_success_at).seconds} s ago" if item.last_success_at else "never"
            )
            fault = item.broken_reason or item.last_error or "none"
            indexed = "yes" if item.indexed_at else "not yet"
            self.stdout.write(
                f"{item.namespace}: {item.get_state_display()}; last poll {last}; "
                f"{mirrors} mirrors known; indexed {indexed}; {item.calls} calls to Quay; "
                f"enrolled by {item.enrolled_by} as {item.token_user}; fault: {fault}"
            )

    def _poll(self, namespace: str, **_: Any) -> None:
        report = poll(namespace)
        self.stdout.write(
            f"{namespace}: {report.skipped or 'polled'}; {report.calls} calls, "
            f"{report.changes} changes, {report.configs_read} configs read"
            + (f"; {report.error}" if report.error else "")
        )

    # -- alerts -------------------------------------------------------------------------------

    def _notify(self, namespace: str, url: str, events: list[str], **_: Any) -> None:
        enrolment = Enrolment.objects.filter(namespace=namespace).first()
        if enrolment is None:
            raise CommandError(f"{namespace} is not watched: enrol it first (watch enroll).")
        if url == "-":
            url = sys.stdin.readline()
        who = os.environ.get("USER") or "the command line"
        done = rules.add(enrolment, url, events, by=who, now=clock.now())
        if not done.ok:
            raise CommandError(done.message)
        self.stdout.write(done.message)

    def _alerts(self, namespaces: list[str], **_: Any) -> None:
        found = AlertRule.objects.select_related("enrolment").order_by("enrolment__namespace", "id")
        if namespaces:
            found = found.filter(enrolment__namespace__in=namespaces)
        if not found:
            self.stdout.write("No alert rule.")
        for rule in found:
            last = rule.last_delivered_at.isoformat() if rule.last_delivered_at else "never"
            failure = (
                f"; last failure {rule.last_failure_at.isoformat()}: {rule.last_failure}"
                if rule.last_failure_at
                else ""
            )
            self.stdout.write(
                f"{rule.enrolment.namespace} rule {rule.pk}: {' '.join(rule.events)} -> "
                f"{rule.service} {rule.shown}; last delivered {last}{failure}"
            )

    # -- the processes ------------------------------------------------------------------------

    def _run(self, **_: Any) -> None:
        _consume(workers=settings.WATCH_WORKERS, periodic=True)

    def _worker(self, **_: Any) -> None:
        _consume(workers=settings.WATCH_WORKERS, periodic=False)

    def _scheduler(self, **_: Any) -> None:
        _consume(workers=1, periodic=True)

    # -- keys ---------------------------------------------------------------------------------

    def _new_key(self, **_: Any) -> None:
        self.stdout.write(keys.new_key())

    def _rotate_keys(self, **_: Any) -> None:
        count = 0
        for item in Enrolment.objects.all():
            Enrolment.objects.filter(pk=item.pk).update(sealed_token=keys.reseal(item.sealed_token))
            count += 1
        urls = rules.rotate_keys()
        self.stdout.write(
            f"{count} token{'s' if count != 1 else ''} and {urls} channel URL"
            f"{'s' if urls != 1 else ''} sealed with the first key."
        )


def _consume(*, workers: int, periodic: bool) -> None:
    """Huey's consumer, its scheduler looking for due namespaces every tick (Huey's own
    looks for periodic tasks once a minute: too seldom for an interval of seconds)."""
    from huey.consumer import Consumer, Scheduler
    from huey.contrib.djhuey import HUEY

    from dashboard.mirrors import tasks as mirror_tasks  # noqa: F401 - a bulk change's apply
    from dashboard.watch import tasks  # noqa: F401 - the tasks, registered with the queue

    class TickingScheduler(Scheduler):
        periodic_task_seconds = schedule.tick_seconds()

    class WatchConsumer(Consumer):
        scheduler_class = TickingScheduler

    consumer = WatchConsumer(
        HUEY,
        workers=workers,
        worker_type="thread",
        periodic=periodic,
        scheduler_interval=1,
        check_worker_health=True,
    )
    consumer.run()
