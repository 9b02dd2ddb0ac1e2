"""What an alert says: what happened, to which mirror (a link to its page), Quay's whole reason,
since when, and what to do (the failures view's remedy words, ``rules.reasons``). A burst is one
message: its events by kind, failures grouped by cause and source host ("61 mirrors from
registry.example.com failed: Authentication refused", its subject too where it is the only
group), each group's remedy said once, and Quay's reason once where the group's mirrors share it
(an upstream down), else each mirror's."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from dashboard.mirrors.rules import reasons
from dashboard.mirrors.rules.timefmt import utc_stamp

from ..failures import host_of
from ..models import Event, Mirror

Kind = Event.Kind

#: The order a message tells kinds in: what needs a person first.
ORDER = (Kind.BROKEN, Kind.STUCK, Kind.GAVE_UP, Kind.FAILED, Kind.WILL_NOT_RUN, Kind.RECOVERED)

#: What to do, for the kinds whose remedy does not depend on the cause.
REMEDIES: dict[str, str] = {
    Kind.STUCK: "Cancel it, then press Sync now.",
    Kind.WILL_NOT_RUN: "Press Sync now to run it (and its schedule) again.",
    Kind.BROKEN: (
        "Enrol the namespace again on the Watching page with a token that works: until then "
        "nothing of it is watched and no other alert of it comes."
    ),
}


def link(path: str) -> str:
    """``path`` of this dashboard as a link for a message (``DASHBOARD_URL``)."""
    return f"{settings.DASHBOARD_URL}{path}"


@dataclass(frozen=True)
class Told:
    """One event as a message tells it."""

    event: Event
    label: str
    what: str
    url: str
    host: str

    @property
    def remedy(self) -> str:
        if self.event.kind in (Kind.FAILED, Kind.GAVE_UP):
            return reasons.REMEDIES.get(self.event.group, reasons.REMEDIES["unknown_error"])
        return REMEDIES.get(self.event.kind, "")

    @property
    def cause(self) -> str:
        return reasons.GROUP_LABELS.get(self.event.group, "")


def _told(event: Event, org_sources: dict[str, str]) -> Told:
    mirror = event.mirror
    if mirror is None:
        url = link(reverse("watch:alerts", args=[event.namespace]))
        return Told(event, f"watching {event.namespace}", "the watcher", url, "")
    if mirror.kind == Mirror.Kind.ORGANIZATION:
        label, what = f"{mirror.namespace} (organization mirror)", "organization mirror"
        path = reverse("mirrors:org-mirror", args=[mirror.namespace])
        source = mirror.source
    else:
        label = f"{mirror.namespace}/{mirror.name}"
        path = reverse("mirrors:repo", args=[mirror.namespace, mirror.name])
        if mirror.kind == Mirror.Kind.ORG_REPOSITORY:
            what, source = (
                "repository of an organization mirror",
                org_sources.get(mirror.namespace, ""),
            )
        else:
            what, source = "repository mirror", mirror.source
    return Told(event, label, what, link(path), host_of(source) if source else "")


def _headline(told: Told) -> str:
    kind = told.event.kind
    if kind == Kind.BROKEN:
        return f"Watching {told.event.namespace} is broken"
    if kind in (Kind.FAILED, Kind.GAVE_UP):
        verb = "failed" if kind == Kind.FAILED else "gave up (its retries are used up)"
        return f"{told.label} {verb}: {told.cause}"
    if kind == Kind.STUCK:
        return f"{told.label} is stuck"
    if kind == Kind.WILL_NOT_RUN:
        return f"{told.label} will not run again until Sync now"
    return f"{told.label} recovered"


def _count(n: int, one: str) -> str:
    return f"{n} {one}" if n == 1 else f"{n} {one}s"


def compose(events: Sequence[Event]) -> tuple[str, str]:
    """The title and body of the message that tells ``events`` (one namespace's, one
    dispatch's)."""
    sources = {
        m.namespace: m.source
        for m in Mirror.objects.filter(
            namespace__in={e.namespace for e in events}, kind=Mirror.Kind.ORGANIZATION
        )
    }
    told = [_told(e, sources) for e in sorted(events, key=lambda e: (ORDER.index(e.kind), e.at))]
    groups = {(t.event.kind, t.cause, t.host) for t in told}
    if len(told) == 1:
        title = _headline(told[0])
    elif len(groups) == 1 and told[0].event.kind in (Kind.FAILED, Kind.GAVE_UP):
        # A burst of one cause from one host: the subject names it (as a single failure's).
        (kind, cause, host), namespaces = groups.pop(), ", ".join(_namespaces(told))
        title = f"{namespaces}: {_group_heading(kind, cause, host, len(told))}"
    else:
        namespaces = ", ".join(_namespaces(told))
        counts = [
            f"{_count(n, 'mirror')} {Kind(kind).label}"
            for kind in ORDER
            if (n := sum(t.event.kind == kind for t in told)) and kind != Kind.BROKEN
        ]
        if any(t.event.kind == Kind.BROKEN for t in told):
            counts.insert(0, "watching broken")
        title = f"{namespaces}: {', '.join(counts)}"
    sections = [_section(kind, [t for t in told if t.event.kind == kind]) for kind in ORDER]
    body = "\n\n".join(s for s in sections if s)
    failures = link(reverse("mirrors:failures"))
    return title, f"{body}\n\nEvery failure, its reason and its fix: {failures}\n"


def _namespaces(told: list[Told]) -> list[str]:
    return sorted({t.event.namespace for t in told})


def _group_heading(kind: str, cause: str, host: str, n: int) -> str:
    """ "61 mirrors from registry.example.com failed: Authentication refused"."""
    where = f" from {host}" if host else ""
    verb = "failed" if kind == Kind.FAILED else "gave up"
    return f"{_count(n, 'mirror')}{where} {verb}: {cause}"


def _section(kind: str, told: list[Told]) -> str:
    if not told:
        return ""
    lines: list[str] = []
    if kind in (Kind.FAILED, Kind.GAVE_UP):
        groups: dict[tuple[str, str], list[Told]] = {}
        for item in told:
            groups.setdefault((item.cause, item.host), []).append(item)
        for (cause, host), items in groups.items():
            lines.append(_group_heading(kind, cause, host, len(items)))
            lines.append(f"What to do: {items[0].remedy}")
            # One reason for them all (an upstream down) is said once, not once a mirror.
            shared = {item.event.reason for item in items}
            if len(items) > 1 and len(shared) == 1 and (reason := shared.pop()):
                all_of = "both" if len(items) == 2 else f"all {len(items)}"
                lines.append(f"Quay's reason (the same for {all_of}): {reason}")
                lines += [_line(item, reason=False) for item in items]
            else:
                lines += [_line(item) for item in items]
            lines.append("")
        return "\n".join(lines).strip()
    heading = {
        Kind.BROKEN: "Watching broken",
        Kind.STUCK: "Stuck",
        Kind.WILL_NOT_RUN: "Will not run again",
        Kind.RECOVERED: "Recovered",
    }[Kind(kind)]
    lines.append(f"{heading} ({len(told)})")
    if told[0].remedy:
        lines.append(f"What to do: {told[0].remedy}")
    lines += [_line(item) for item in told]
    return "\n".join(lines)


def _line(told: Told, *, reason: bool = True) -> str:
    event = told.event
    verbs = {
        Kind.FAILED: "failed at",
        Kind.GAVE_UP: "last try failed at",
        Kind.STUCK: "stuck since",
        Kind.WILL_NOT_RUN: "missed its run at",
        Kind.RECOVERED: "synced at",
        Kind.BROKEN: "broken since",
    }
    what = f" ({told.what})" if event.mirror is not None else ""
    head = f"- {told.label}{what}: {verbs[Kind(event.kind)]} {utc_stamp(event.at)}"
    said = "Quay's reason" if event.kind in (Kind.FAILED, Kind.GAVE_UP) else "Why"
    why = f"\n  {said}: {event.reason}" if event.reason and reason else ""
    return f"{head}{why}\n  {told.url}"


def failing_message(namespace: str, service: str, shown: str, why: str) -> tuple[str, str]:
    """The words that tell a rule's owner its channel fails."""
    page = link(reverse("watch:alerts", args=[namespace]))
    return (
        f"Alerts of {namespace} do not reach {service} {shown}",
        f"The alerts of {namespace} could not be delivered to {service} {shown}: {why}\n"
        f"The watcher tries again with back-off; you are told once until a delivery works "
        f"again. The rule and its deliveries: {page}\n",
    )


def test_message(namespace: str, kinds: Iterable[str]) -> tuple[str, str]:
    """The words of a rule's test."""
    said = ", ".join(Kind(k).label for k in ORDER if k in set(kinds))
    page = link(reverse("watch:alerts", args=[namespace]))
    return (
        f"Test from Mirror Dashboard: alerts of {namespace}",
        f"This channel is told when a mirror of {namespace} does this: {said}.\n"
        f"This is a test from the rule's page: {page}\n",
    )
