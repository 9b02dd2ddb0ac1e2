"""The plan of a file: per mirror, what applying it would do -- create (switching a repository
to mirror state where the file says so), update (field by field, now → after), nothing
(unchanged), nothing because Quay changed it since the file was exported (conflict), nothing
because the value would be refused (the settings form's own checks, as the page's save
makes them) -- and the mirrors in Quay the file does not mention (left alone).

What a file asks of a mirror is turned into what the mirror's settings form would be posted
(``forms.base.data_from_snapshot`` of the config with the file's fields on top), judged by the
kind's form, and compared field by field as a save compares (``kinds``' snapshots,
``rules.changes.diff``): one place for each. Applying is then :func:`operations.save.save`
with that very form data (``Step.posted``).

Cost: the reads of ``fleet`` for the namespaces the file names, and the robots of a namespace
where the file sets a robot Quay does not have (one call a namespace); nothing else.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.http import QueryDict

from dashboard.quay.cache import fresh
from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayUnauthorized
from dashboard.quay.fanout import fan_out
from dashboard.quay.models import RepositoryState

from ..forms.base import DURATIONS, RETYPE_WORDS, data_from_snapshot
from ..kinds.base import MirrorKind
from ..models import redact_url
from ..rules import changes
from ..rules.changes import Change, Snapshot
from . import document, fleet
from .document import PASSWORD, Entry, Secret

#: What a plan does with a mirror, in the order a plan lists them.
ACTIONS = ("unreadable", "refused", "conflict", "create", "update", "unchanged", "not_in_file")
WORDS = {
    "unreadable": "could not be read from Quay (not sent)",
    "refused": "refused (not sent)",
    "conflict": "conflict: changed in Quay since the file was exported (not sent)",
    "create": "create",
    "update": "update",
    "unchanged": "unchanged",
    "not_in_file": "not in the file (left alone)",
}

SWITCH_WORDS = "switched to MIRROR first (pushes refused from then on; apply --confirm)"

#: Reads a password's reference: (the password, or "" and why it could not be read).
Secrets = Callable[[Secret], tuple[str, str]]


@dataclass
class Step:
    """What the plan does with one mirror."""

    name: str
    action: str
    target: MirrorKind | None = None
    line: int = 0
    changes: list[Change] = field(default_factory=list)
    #: Why it is refused or a conflict, in words (with the file's line).
    reasons: list[str] = field(default_factory=list)
    #: A repository to switch to mirror state before its mirror is created.
    switch_state: bool = False
    #: Quay has no mirror config for it (it would be created, or cannot be).
    missing: bool = False
    password: Secret | None = None
    #: What the mirror's settings form is posted to apply it (``operations.save``).
    posted: QueryDict | None = None

    @property
    def words(self) -> str:
        return WORDS[self.action]

    @property
    def page_url(self) -> str:
        return self.target.url("page") if self.target is not None else ""

    def conflict_lines(self) -> list[str]:
        """A conflict's fields: Quay's value now, the file's."""
        return [
            f"{c.label}: Quay has {changes.format_value(c.field, c.old)}, the file "
            f"{changes.format_value(c.field, c.new)}"
            for c in self.changes
        ]

    def change_lines(self) -> list[str]:
        said = [
            f"{c.label}: {changes.format_value(c.field, c.old)} → "
            f"{changes.format_value(c.field, c.new)}"
            if self.action != "create"
            else f"{c.label}: {changes.format_value(c.field, c.new)}"
            for c in self.changes
        ]
        if self.password is not None:
            said.append(f"password: set from {self.password} (Quay never shows it: sent again)")
        if self.switch_state:
            said.insert(0, f"state: {SWITCH_WORDS}")
        return said


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    #: Namespaces whose repositories could not be listed: their mirrors the file does not
    #: name are not known.
    unlisted: list[str] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(step.action for step in self.steps)

    @property
    def summary(self) -> str:
        n = self.counts
        unread = f", {n['unreadable']} could not be read" if n["unreadable"] else ""
        return (
            f"{n['create']} to create, {n['update']} to update, {n['unchanged']} unchanged, "
            f"{n['conflict']} conflict{'s' if n['conflict'] != 1 else ''}, {n['refused']} "
            f"refused{unread}; {self.not_in_file_words()}."
        )

    def not_in_file_words(self) -> str:
        """How many mirrors in Quay the file does not name: not known where a namespace's
        repositories could not be listed."""
        if self.unlisted:
            return (
                f"in Quay not in the file: not known ({', '.join(self.unlisted)} could not be "
                "listed)"
            )
        return f"{self.counts['not_in_file']} in Quay not in the file (left alone)"


def from_environment(secret: Secret) -> tuple[str, str]:
    """A password from an environment variable or a file (the command line's)."""
    if secret.source == "env":
        value = os.environ.get(secret.name)
        return (value, "") if value else ("", f"the environment variable {secret.name} is not set")
    try:
        return Path(secret.name).read_text(encoding="utf-8").strip(), ""
    except (OSError, UnicodeDecodeError) as error:
        return "", f"the password file {secret.name} cannot be read ({error.strerror or error})"


def plan(
    client: QuayClient,
    username: str,
    parsed: document.Document,
    now: datetime,
    *,
    secrets: Secrets | None = None,
) -> Plan:
    """What applying ``parsed`` would do. ``secrets`` reads the passwords' references
    (``None``: they are not read here, and such a mirror is planned but cannot be applied
    from here)."""
    found = fleet.read(client, username, parsed.namespaces)
    robots = _robots(client, username, parsed, found)
    made = Plan(
        [_step(entry, found, now, secrets, robots) for entry in parsed.entries],
        unlisted=sorted(found.unlisted),
    )
    named = {entry.target for entry in parsed.entries}
    made.steps += [
        Step(target.full_name, "not_in_file", target)
        for target in found.mirrors()
        if target not in named
    ]
    order = {action: i for i, action in enumerate(ACTIONS)}
    made.steps.sort(key=lambda step: order[step.action])
    return made


def _robots(
    client: QuayClient, username: str, parsed: document.Document, found: fleet.Fleet
) -> dict[str, list[str]]:
    """The robots of each namespace where the file sets a robot Quay does not have (a new
    mirror's, or another): one call a namespace, so that the form judges the robot as the
    page's save does (Quay stores a repository mirror's tag rule before it refuses an unknown
    robot, which then ignores later changes). A namespace whose robots cannot be read is left
    to Quay."""
    wanted = []
    for entry in parsed.entries:
        target, robot = entry.target, entry.values.get("robot_username")
        if target is None or entry.problems or "robot_username" not in entry.values:
            continue
        config = found.configs.get(target)
        if config is None or target.snapshot(config).get("robot_username") != robot:
            wanted.append(target.namespace)
    got = fan_out(
        lambda ns: [r.name for r in fresh(client).list_robots(ns, username)],
        list(dict.fromkeys(wanted)),
    )
    for outcome in got:
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
    return {o.item: o.value for o in got if o.ok and o.value is not None}


def _step(
    entry: Entry,
    found: fleet.Fleet,
    now: datetime,
    secrets: Secrets | None,
    robots: dict[str, list[str]],
) -> Step:
    target = entry.target
    step = Step(entry.name, "refused", target, entry.line, password=entry.password)
    if entry.problems or target is None:
        step.reasons = list(entry.problems)
        return step
    if target.namespace in found.unlisted:
        why = found.unlisted[target.namespace]
        step.action = "unreadable"
        step.reasons = [f"the repositories of {target.namespace} could not be listed: {why}"]
        return step
    if target in found.unreadable:
        step.action = "unreadable"
        step.reasons = [f"its mirror config could not be read: {found.unreadable[target]}"]
        return step
    config = found.configs.get(target)
    if config is None:
        step.missing = True
        missing = _cannot_create(entry, found)
        if missing:
            step.reasons = [missing]
            return step
        step.switch_state = bool(target.name) and not found.repositories[target.full_name].is_mirror
    current = target.snapshot(config) if config is not None else {}
    wanted = _wanted(entry, current)
    if config is not None and wanted == current and entry.password is None:
        step.action = "unchanged"
        return step
    password, why = ("", "") if entry.password is None else _password(entry.password, secrets)
    if why:
        step.reasons = [f"line {entry.lines.get(PASSWORD, entry.line)}: {why}"]
        return step
    posted = _posted(target, entry, wanted, current, config, password or "(not read here)")
    reads = {"robots": robots[target.namespace]} if target.namespace in robots else {}
    form = target.settings_form(posted, config, now, creating=config is None, **reads)
    if not form.is_valid():
        step.reasons = _form_errors(entry, target, form.errors)
        return step
    mine = target.form_snapshot(form.cleaned_data)
    step.changes = changes.diff(current, mine, target.fields)
    if config is not None and not step.changes and entry.password is None:
        step.action = "unchanged"
        return step
    moved = entry.fingerprint and entry.fingerprint != document.fingerprint(current)
    if config is not None and moved:
        step.action = "conflict"
        step.reasons = [
            f"line {entry.lines.get('fingerprint', entry.line)}: the mirror's settings in Quay "
            "are not those the file was exported from: export it again, or take the fingerprint "
            "out to overwrite them"
        ]
        return step
    step.action = "create" if config is None else "update"
    if password and secrets is not None:
        posted["external_registry_password"] = password
    step.posted = posted if entry.password is None or secrets is not None else None
    return step


def _cannot_create(entry: Entry, found: fleet.Fleet) -> str:
    """Why a mirror the file names cannot be created ("" when it can)."""
    target = entry.target
    assert target is not None
    if not target.name:
        if target.namespace not in found.orgs_asked:
            return (
                f"line {entry.line}: {target.namespace} has no organization mirror and cannot "
                "have one here: Quay sets one up only in an empty organization, on a Quay with "
                "organization mirroring"
            )
        return ""
    repo = found.repositories.get(target.full_name)
    if repo is None:
        return (
            f"line {entry.line}: Quay has no repository {target.full_name} that you can see: "
            "create it first"
        )
    if repo.state is RepositoryState.ORG_MIRROR:
        return f"line {entry.line}: {target.full_name} belongs to its organization's mirror"
    if not repo.is_mirror and entry.state != "MIRROR":
        return (
            f"line {entry.line}: {target.full_name} is in state {repo.state}: write state: MIRROR "
            "in its entry to switch it to mirror state (pushes are refused from then on)"
        )
    return ""


#: What Quay sets up a new mirror with where its entry does not say (a browser's form would
#: read a box not given as "off").
CREATE_DEFAULTS: Snapshot = {
    "is_enabled": True,
    "verify_tls": True,
    "unsigned_images": False,
    "architecture_filter": [],
    "repository_filters": [],
}


def _wanted(entry: Entry, current: Snapshot) -> Snapshot:
    """The config the file asks for: Quay's (a new mirror: :data:`CREATE_DEFAULTS`), with
    the file's fields on top -- but a start
    date the worker has moved on since (by whole intervals) and a proxy written as the export
    masked it (``http://***@proxy``) are Quay's still."""
    assert entry.target is not None
    base = current or {k: v for k, v in CREATE_DEFAULTS.items() if k in entry.target.fields}
    wanted = {**base, **entry.values}
    start = "sync_start_date"
    if current and start in entry.values and changes.worker_moved_start(entry.values, current):
        wanted[start] = current[start]
    for name in document.PROXIES:
        value = entry.values.get(name)
        if value and "***@" in value and redact_url(current.get(name)) == value:
            wanted[name] = current[name]
    return wanted


def _password(secret: Secret, secrets: Secrets | None) -> tuple[str, str]:
    if secrets is None:
        return "", ""
    return secrets(secret)


def _posted(
    target: MirrorKind,
    entry: Entry,
    wanted: Snapshot,
    current: Snapshot,
    config: Any,
    password: str,
) -> QueryDict:
    """The settings form's data for ``wanted``, as a browser would post it."""
    posted = QueryDict(mutable=True)
    for key, values in data_from_snapshot(wanted).items():
        posted.setlist(key, values)
    if config is None:
        posted.update(entry.fixed)
    else:
        posted["loaded"] = changes.sign(target.namespace, target.name, current)
    if entry.password is not None:
        posted["external_registry_password"] = password
    elif current.get("external_registry_username") and not wanted.get("external_registry_username"):
        posted["remove_credentials"] = "on"
    return posted


def _form_errors(entry: Entry, target: MirrorKind, errors: Any) -> list[str]:
    """The form's refusals, each at its field's line, named as the file names it."""
    said = []
    for name, messages in errors.items():
        field_name = _file_field(target, name)
        line = entry.lines.get(field_name, entry.line)
        where = f"{field_name}: " if field_name else ""
        said += [
            f"line {line}: {where}{message}" for message in messages if message != RETYPE_WORDS
        ]
    return said


def _file_field(target: MirrorKind, form_field: str) -> str:
    """The file's name of a form field (``sync_interval_value`` → ``sync_interval``)."""
    if form_field == "__all__":
        return ""
    for snapshot_name, prefix in DURATIONS.items():
        if form_field.startswith(f"{prefix}_") and snapshot_name in target.fields:
            return snapshot_name
    if form_field == "remove_credentials":
        return "external_registry_username"
    return form_field


def lines(made: Plan) -> list[str]:
    """The plan as text (the command line's)."""
    out = []
    for step in made.steps:
        at = f" (line {step.line})" if step.line else ""
        out.append(f"{step.name}{at}: {step.words}")
        if step.action in ("create", "update"):
            out += [f"    {line}" for line in step.change_lines()]
        if step.action == "conflict":
            out += [f"    {line}" for line in step.conflict_lines()]
        out += [f"    {reason}" for reason in step.reasons]
    out.append(f"Plan: {made.summary}")
    return out
