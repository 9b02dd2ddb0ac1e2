"""The fleet index: what the watcher knows of every mirror of a watched namespace.

``Enrolment``  a namespace the watcher reads, with the token given for it (sealed with the
               watcher's own keys: ``keys``), who enrolled it, and how its polls go.
``Mirror``     one mirror of a watched namespace: a repository's mirror (a MIRROR-state
               repository, with or without a config), an organization's mirror, or one of
               the repositories an organization mirror discovered; its config (no secrets),
               status, lease, retries, last result with Quay's whole reason, and when each
               part was read.
``Change``     every status change the watcher saw (old, new, when, why): the history of
               what the watcher saw (a failed try, a retry, a Cancel are changes alike; what
               is worth an alert is an ``Event``).
``FailedRun``  one failed run of a mirror, read from Quay's log (one row per run, not per try:
               Quay logs a failure on each of up to 3 tries; a person's Cancel and a pre-empted
               job are no failure), with Quay's whole reason, its cause, and whether the mirror
               recovered since: what the failures view reads.
``SyncEnd``    one sync of a mirror that ended, a success or a failed try, as Quay's log tells
               it (a Cancel and a pre-empted job are neither): what the trends count per day.
``Event``      a transition worth an alert (failed, gave up, stuck, will not run again,
               recovered, watching broken), noted once (``alerts.events``).
``AlertRule``  which events of a watched namespace go to which channel (an Apprise URL, sealed).
``Delivery``   one message to one rule's channel (a burst of events, or a test), tried until
               delivered with back-off, its outcome kept (``alerts.deliver``).
"""

from __future__ import annotations

from django.db import models


class Enrolment(models.Model):
    class State(models.TextChoices):
        OK = "ok", "watching"
        BROKEN = "broken", "watching broken"

    namespace = models.CharField(max_length=255, unique=True)
    #: The token given for watching, sealed (``keys.seal``); never shown, never logged.
    sealed_token = models.TextField()
    #: The Quay user the token acts as (``GET /user/`` when it was enrolled).
    token_user = models.CharField(max_length=255)
    enrolled_by = models.CharField(max_length=255)
    enrolled_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.OK)
    #: Why watching is broken (Quay refused the token: revoked, or its rights were taken).
    broken_reason = models.TextField(blank=True)
    broken_since = models.DateTimeField(null=True, blank=True)
    #: The next poll is due then (the scheduler enqueues due namespaces only).
    next_poll_at = models.DateTimeField(null=True, blank=True, db_index=True)
    #: A poll holds the namespace until then: another poll meanwhile does nothing; a poll
    #: whose worker died is taken again once this has passed.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    #: The last poll that read Quay's mirror health: the index is as of then.
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    #: The first indexing is done (every config read once).
    indexed_at = models.DateTimeField(null=True, blank=True)
    #: When the repository listing was last read (it is read every few minutes).
    listing_at = models.DateTimeField(null=True, blank=True)
    #: The newest log entry seen (the next poll reads the log down to it).
    log_seen_at = models.DateTimeField(null=True, blank=True)
    #: Failed runs before this moment are not known (the first poll reads the log back a
    #: week, ``WATCH_BACKFILL_DAYS``, or as far as ``WATCH_BACKFILL_LOG_PAGES`` reach);
    #: ``None``: not read back yet.
    failures_from = models.DateTimeField(null=True, blank=True)
    #: Syncs that ended are counted (``SyncEnd``) from this moment on: where the first poll's
    #: log reached (as ``failures_from``), or when counting began for a namespace watched
    #: before it did; the trends take earlier days from Quay's own log counts.
    counts_from = models.DateTimeField(null=True, blank=True)
    #: How many calls to Quay the polls of this namespace made (for `watch status`).
    calls = models.PositiveBigIntegerField(default=0)
    #: One more at the end of every poll (every write of this namespace's index is a poll's):
    #: what the overview keeps of the index is kept under it, so never read after a poll.
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["namespace"]

    def __str__(self) -> str:
        return f"watching {self.namespace} ({self.get_state_display()})"


class Mirror(models.Model):
    class Kind(models.TextChoices):
        REPOSITORY = "repository", "repository mirror"
        ORGANIZATION = "organization", "organization mirror"
        ORG_REPOSITORY = "org_repository", "repository of an organization mirror"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="mirrors")
    namespace = models.CharField(max_length=255, db_index=True)
    #: The repository ("" for an organization's mirror itself).
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    #: The repository's state as the listing last said (MIRROR, ORG_MIRROR, ...).
    repo_state = models.CharField(max_length=16, blank=True)
    #: The config as Quay's API answers it, secrets left out (a proxy's credentials too);
    #: ``None``: no config (a MIRROR-state repository not set up), or not read yet.
    config = models.JSONField(null=True, blank=True)
    #: Where it mirrors from, in words (for search): the external reference, or the source
    #: registry and namespace of an organization mirror.
    source = models.CharField(max_length=1024, blank=True, db_index=True)
    #: Quay's status (SUCCESS, FAIL, SYNCING, ...; a discovered repository may be SKIP).
    sync_status = models.CharField(max_length=16, blank=True)
    is_enabled = models.BooleanField(null=True)
    retries_remaining = models.IntegerField(null=True)
    #: The last run that ended: ``{"key", "detail", "reason", "cause", "when"}`` (``key``
    #: success, fail or cancel; for a failure ``reason`` is Quay's whole reason, the log
    #: entry's message and stderr with the tool's noise removed, and ``cause`` Quay's cause
    #: class: ``dashboard.mirrors.rules.reasons``).
    last_result = models.JSONField(null=True, blank=True)
    #: A discovered repository's status message (as the organization mirror lists it).
    status_message = models.TextField(blank=True)
    config_read_at = models.DateTimeField(null=True, blank=True)
    status_read_at = models.DateTimeField(null=True, blank=True)
    result_read_at = models.DateTimeField(null=True, blank=True)
    #: Its newest success the watcher read of (Quay's log time; ``runs.succeeded``): what
    #: ``/metrics`` says of it, a failing mirror's too.
    last_success_at = models.DateTimeField(null=True, blank=True)
    #: The config is to be read again at the next poll (a change seen in the log or in the
    #: status, a running sync, the slow sweep).
    stale = models.BooleanField(default=True)
    #: Still there at the last listing (``False``: gone; kept for its history).
    present = models.BooleanField(default=True)

    class Meta:
        ordering = ["namespace", "name"]
        constraints = [
            models.UniqueConstraint(fields=["namespace", "name", "kind"], name="one_mirror_a_name")
        ]
        indexes = [models.Index(fields=["namespace", "sync_status"])]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}" if self.name else f"{self.namespace} (organization)"


class Change(models.Model):
    """A status the watcher saw change: from ``old`` to ``new``, when, and why."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="changes")
    namespace = models.CharField(max_length=255, db_index=True)
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=Mirror.Kind.choices)
    old = models.CharField(max_length=16, blank=True)
    new = models.CharField(max_length=16)
    #: When Quay recorded it (the log entry's time), else when the watcher saw it.
    at = models.DateTimeField(db_index=True)
    seen_at = models.DateTimeField()
    #: Quay's reason for a failure (whole), or what happened in words.
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}: {self.old or 'new'} → {self.new}"


class FailedRun(models.Model):
    """One failed run of a mirror, as Quay's log tells it (``dashboard.watch.runs``)."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="failed_runs")
    namespace = models.CharField(max_length=255)
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=Mirror.Kind.choices)
    #: The run's first failed try, and its last (Quay's log times).
    started_at = models.DateTimeField()
    at = models.DateTimeField()
    #: The failed tries of the run (Quay tries up to 3 times).
    tries = models.PositiveSmallIntegerField(default=1)
    #: Quay's whole reason (its last try's) and Quay's cause class
    #: (``dashboard.mirrors.rules.reasons``); ``partial``: some tags made it (PARTIAL SYNC).
    reason = models.TextField()
    cause = models.CharField(max_length=32)
    partial = models.BooleanField(default=False)
    #: No more tries join it (a success, a Cancel, a Sync now, or its tries used up).
    closed = models.BooleanField(default=False)
    #: The mirror's first success after it; a person's Cancel after it.
    recovered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mirror", "started_at"], name="one_run_a_start")
        ]
        indexes = [models.Index(fields=["namespace", "at"])]

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}: failed {self.at:%Y-%m-%d %H:%M} ({self.tries} tries)"


class SyncEnd(models.Model):
    """One sync of a mirror that ended as Quay's log tells it: a success, or a failed try (each
    of a run's up to 3 tries; a person's Cancel and a pre-empted job are no failure). Noted
    once (``(mirror, at, ok)`` is unique: a log page read twice counts once); the trends count
    them per day (``dashboard.watch.trends``)."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="sync_ends")
    namespace = models.CharField(max_length=255)
    #: Quay's log time.
    at = models.DateTimeField()
    ok = models.BooleanField()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mirror", "at", "ok"], name="one_end_a_moment")
        ]
        indexes = [models.Index(fields=["namespace", "at"])]

    def __str__(self) -> str:
        return f"{self.mirror}: {'synced' if self.ok else 'failed'} {self.at:%Y-%m-%d %H:%M}"


class Event(models.Model):
    """A transition worth an alert (``alerts.events``), noted once: a mirror failed (a new
    run, not a retry), gave up, got stuck, will not run again, recovered; or watching broke.
    ``(namespace, subject, kind, key)`` is unique, so noting it twice (two polls, two
    workers) keeps one row; ``dispatched_at`` is set by the one dispatch that claims it."""

    class Kind(models.TextChoices):
        FAILED = "failed", "failed"
        GAVE_UP = "gave_up", "gave up"
        STUCK = "stuck", "stuck"
        WILL_NOT_RUN = "will_not_run", "will not run again"
        RECOVERED = "recovered", "recovered"
        BROKEN = "broken", "watching broken"

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    #: ``None`` for the namespace's own events (watching broken).
    mirror = models.ForeignKey(
        Mirror, on_delete=models.CASCADE, related_name="events", null=True, blank=True
    )
    namespace = models.CharField(max_length=255)
    #: ``kind:name`` of the mirror ("" for the namespace itself): part of what is unique.
    subject = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    #: What makes this transition one of its own (a run's start, a lease's end, ...).
    key = models.CharField(max_length=64)
    #: When it happened (Quay's log time where Quay recorded it), and when it was noted.
    at = models.DateTimeField()
    noted_at = models.DateTimeField()
    #: Quay's whole reason (a failure) or what happened in words; the failures view's group.
    reason = models.TextField(blank=True)
    group = models.CharField(max_length=32, blank=True)
    #: Claimed by one dispatch (one conditional update), which hands it to the rules' channels.
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["namespace", "subject", "kind", "key"], name="one_event_a_transition"
            )
        ]

    def __str__(self) -> str:
        return f"{self.namespace} {self.subject}: {self.get_kind_display()}"


class AlertRule(models.Model):
    """Which events of a watched namespace go to which channel (an Apprise URL, sealed with the
    watcher's keys like the watch token: never shown again, never logged)."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="rules")
    #: Event kinds (``Event.Kind`` values).
    events = models.JSONField(default=list)
    sealed_url = models.TextField()
    #: What the page shows of the channel: its service and a masked address.
    service = models.CharField(max_length=100)
    shown = models.CharField(max_length=300)
    created_by = models.CharField(max_length=255)
    created_at = models.DateTimeField()
    last_delivered_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    #: Why the last delivery failed (Apprise's words, the channel's secrets removed).
    last_failure = models.TextField(blank=True)
    #: Told by e-mail when the channel starts failing ("": nobody; ``ALERT_MAIL_URL`` sends).
    owner_email = models.EmailField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"alert rule {self.pk} of {self.enrolment.namespace}: {self.service}"


class Delivery(models.Model):
    """One message to one rule's channel: the events of one dispatch (a burst is one
    message), or a test. Tried until delivered, with back-off (``alerts.deliver``)."""

    class State(models.TextChoices):
        PENDING = "pending", "waiting"
        SENT = "sent", "delivered"
        FAILED = "failed", "given up"

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="deliveries")
    events = models.ManyToManyField(Event, related_name="deliveries", blank=True)
    test = models.BooleanField(default=False)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    #: The next try is due then; a worker holds it until ``claimed_until`` (a worker that
    #: died lets it go once that has passed).
    next_try_at = models.DateTimeField(db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    #: What the message says, as its last try sent it ("" before its first try).
    title = models.TextField(blank=True)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"delivery {self.pk} ({self.get_state_display()})"
