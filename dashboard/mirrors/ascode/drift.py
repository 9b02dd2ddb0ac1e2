"""Drift: a file compared with Quay now -- the plan seen the other way round. Where the plan
says what applying the file would change (Quay's value → the file's), drift says where Quay
has moved away from the file (the file's value → Quay's): the plan's own comparison
(:func:`.plan.plan`, the settings form's judgement, ``rules.changes.diff``), read backwards,
so that the two never disagree about what differs.

Per mirror: the fields where Quay now differs from the file (an update or a conflict of the
plan), mirrors in the file that Quay does not have (a create of the plan, or one it cannot
make), mirrors in Quay the file does not mention, and those that could not be compared
(a bad entry, a namespace or config Quay would not show), with why. A password is never
compared: Quay never shows it.

Cost: exactly the plan's (its reads; passwords' references are not read); no write.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dashboard.mirrors.person import Person
from dashboard.quay.client import QuayClient

from ..rules import changes
from . import document, plan
from .plan import Step

#: What drift says of a mirror, in the order a report lists them.
KINDS = ("differs", "missing", "not_in_file", "unchecked")
WORDS = {
    "differs": "differs in Quay (the file → Quay now)",
    "missing": "in the file, missing in Quay",
    "not_in_file": "in Quay, not in the file",
    "unchecked": "could not be compared",
}


@dataclass(frozen=True)
class Drifted:
    """One mirror that is not as the file says (or could not be compared)."""

    step: Step
    kind: str

    @property
    def name(self) -> str:
        return self.step.name

    @property
    def words(self) -> str:
        return WORDS[self.kind]

    def lines(self) -> list[str]:
        """Each field that differs (the file's value → Quay's), or why there is nothing to
        compare."""
        if self.kind == "differs":
            return [
                f"{c.label}: {changes.format_value(c.field, c.new)} → "
                f"{changes.format_value(c.field, c.old)}"
                for c in self.step.changes
            ]
        return list(self.step.reasons)


@dataclass
class Drift:
    drifted: list[Drifted] = field(default_factory=list)
    #: Mirrors of the file that Quay holds as the file says.
    same: int = 0
    #: Namespaces whose repositories could not be listed (mirrors not in the file: not known).
    unlisted: list[str] = field(default_factory=list)

    @property
    def counts(self) -> Counter[str]:
        return Counter(item.kind for item in self.drifted)

    @property
    def found(self) -> bool:
        """Anything differs, or could not be compared (the command's exit status)."""
        return bool(self.drifted)

    @property
    def summary(self) -> str:
        n = self.counts
        others = (
            f"in Quay not in the file: not known ({', '.join(self.unlisted)} could not be listed)"
            if self.unlisted
            else f"{n['not_in_file']} in Quay not in the file"
        )
        return (
            f"{n['differs']} differ, {n['missing']} missing in Quay, {others}, "
            f"{n['unchecked']} could not be compared; {self.same} as the file says."
        )


def drift(client: QuayClient, username: str, parsed: document.Document, now: datetime) -> Drift:
    """Where Quay now differs from ``parsed``: its plan, read the other way round."""
    made = plan.plan(client, username, parsed, now)
    found = Drift(unlisted=made.unlisted)
    for step in made.steps:
        kind = _kind(step)
        if kind:
            found.drifted.append(Drifted(step, kind))
        else:
            found.same += 1
    order = {kind: i for i, kind in enumerate(KINDS)}
    found.drifted.sort(key=lambda item: order[item.kind])
    return found


def _kind(step: Step) -> str:
    """What drift says of a step of the plan ("" when Quay is as the file says: unchanged,
    or an update of nothing but the password, which Quay never shows)."""
    if step.action == "not_in_file":
        return "not_in_file"
    if step.missing:
        return "missing"
    if step.action in ("refused", "unreadable"):
        return "unchecked"
    return "differs" if step.changes else ""


def verdict(found: Drift, name: str) -> str:
    """Why the command ends with an error (only when :attr:`Drift.found`)."""
    unchecked = found.counts["unchecked"]
    if unchecked == len(found.drifted):
        mirrors = f"{unchecked} mirror{'s' if unchecked != 1 else ''}"
        return f"{mirrors} of {name} could not be compared with Quay (above)."
    return f"Quay differs from {name} (above)."


def lines(found: Drift) -> list[str]:
    """The report as text (the command line's)."""
    out = []
    for item in found.drifted:
        at = f" (line {item.step.line})" if item.step.line else ""
        out.append(f"{item.name}{at}: {item.words}")
        out += [f"    {line}" for line in item.lines()]
    out.append(f"Drift: {found.summary}")
    return out


def drifted(client: QuayClient, person: Person, text: str, now: datetime) -> dict[str, Any]:
    """The ``/as-code/`` page's context for a file compared with Quay now: where Quay
    differs from it, or why the file cannot be used."""
    parsed = document.parse(text)
    if parsed.errors:
        return {"file_errors": parsed.errors}
    found = drift(client, person.username, parsed, now)
    return {"drift": found, "drift_summary": found.summary}
