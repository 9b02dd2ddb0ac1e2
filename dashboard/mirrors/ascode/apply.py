"""Apply: exactly the plan, each mirror to create or update through the one save
(``operations.save.save``, with the very form data the plan judged: only what changed is
sent, read back, audited), a repository switched to mirror state first where the plan says
(``operations.state``). Nothing else is sent: an unchanged mirror costs no call, a refused
one or a conflict is not sent, and a mirror in Quay the file does not mention is left alone.
So applying a file twice sends nothing the second time.

What the page asks a person to confirm is not sent unless ``confirm``: the switch to mirror
state (pushes are refused from then on), and a save that would disturb a sync under way, start
one at once (a start date in the past) or have the next sync delete tags; with ``confirm`` the
switch is made and the save made again with the boxes ticked, as a person would.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from dashboard.quay.client import QuayClient

from ..operations.save import SaveResult, save
from ..operations.state import switch_to_mirror
from ..person import Person
from .plan import Plan, Step

#: Outcomes, in the order a report lists them.
OUTCOMES = ("applied", "partly_applied", "refused", "not_sent")
WORDS = {
    "applied": "applied",
    "partly_applied": "partly applied",
    "refused": "refused by Quay",
    "not_sent": "not sent",
}


@dataclass(frozen=True)
class Applied:
    step: Step
    outcome: str
    words: str

    @property
    def label(self) -> str:
        return WORDS[self.outcome]


def apply(
    client: QuayClient, person: Person, made: Plan, now: datetime, *, confirm: bool = False
) -> list[Applied]:
    """Apply ``made``: one result a mirror it would change or could not (unchanged mirrors
    and those not in the file have none: nothing is sent for them)."""
    results = []
    for step in made.steps:
        if step.action in ("refused", "unreadable", "conflict"):
            results.append(Applied(step, "not_sent", f"{step.words}: {'; '.join(step.reasons)}"))
        elif step.action in ("create", "update"):
            results.append(_apply(client, person, step, now, confirm))
    return results


def _apply(client: QuayClient, person: Person, step: Step, now: datetime, confirm: bool) -> Applied:
    target = step.target
    assert target is not None
    if step.posted is None:
        return Applied(step, "not_sent", "its password is read only where the file is applied")
    if step.switch_state and not confirm:
        return Applied(
            step,
            "not_sent",
            f"switching {target.full_name} to mirror state refuses pushes to it from then on "
            "(apply with --confirm to confirm)",
        )
    if step.switch_state:
        switched = switch_to_mirror(client, person, target, confirmed=True)  # type: ignore[arg-type]
        if switched.level == "error":
            return Applied(step, "not_sent", switched.message)
    result = save(client, person, target, step.posted, now)
    asked = _confirmations(result)
    if asked and confirm:
        posted = step.posted.copy()
        posted.update(asked)
        result = save(client, person, target, posted, now)
    return _outcome(step, result)


def _confirmations(result: SaveResult) -> dict[str, str]:
    """The boxes a save that was not sent asks to tick ({} when it asked none)."""
    extra = result.extra
    asked = {}
    if extra.get("confirm_sync"):
        asked["confirm_during_sync"] = "on"
    if extra.get("past_start"):
        asked["confirm_past_start"] = "on"
    if extra.get("confirm_delete"):
        asked["confirm_delete_tags"] = ",".join(extra["confirm_delete"])
    return {} if result.done else asked


def _outcome(step: Step, result: SaveResult) -> Applied:
    said = " ".join(text for _, text in result.messages)
    if result.done:
        dropped = any(level == "error" for level, _ in result.messages)
        return Applied(step, "partly_applied" if dropped else "applied", said)
    words = result.message
    if _confirmations(result):
        return Applied(step, "not_sent", f"{words} (apply with --confirm to confirm)")
    if result.extra.get("partly_applied"):
        return Applied(step, "partly_applied", words)
    if result.extra.get("conflict") is not None or result.unreadable:
        return Applied(step, "not_sent", words)
    return Applied(step, "refused", words)


def summary(results: list[Applied], made: Plan) -> str:
    n = Counter(result.outcome for result in results)
    unchanged = made.counts["unchanged"]
    return (
        f"{n['applied']} applied, {n['partly_applied']} partly applied, {n['refused']} "
        f"refused by Quay, {n['not_sent']} not sent; {unchanged} unchanged (nothing sent)."
    )
