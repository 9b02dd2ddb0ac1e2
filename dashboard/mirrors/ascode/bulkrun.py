"""Apply on the page: a file's plan kept as a previewed bulk change (``models.BulkRun``), so
that "Apply this plan" is the bulk change's own Apply (``operations.bulk.start``: the same
task, each mirror through the one save with the config the plan read as what it was loaded
with -- changed in Quay since, a conflict, not overwritten -- and per-mirror results that can
be opened again and go on when the person leaves the page).

The plan's steps become the run's items: a create or update to send, with the form data the
plan judged (never a password); an unchanged mirror, not sent; and, not sent with the plan's
reason, a refusal, a conflict -- and what only the command line applies: a mirror whose
password is read from the file's reference (the server's environment is not the person's),
and a repository to switch to mirror state (``mirrors apply --confirm``). Mirrors the file
does not mention are left alone and are not in the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..models import BulkItem, BulkRun
from ..operations import bulk
from ..person import Person
from ..rules import changes

if TYPE_CHECKING:  # annotations only: recording a plan needs no planner
    from .plan import Plan, Step

#: What a run made from a file carries in ``BulkRun.values`` (its page offers no bulk form).
FROM_FILE = bulk.FROM_FILE

ON_THE_COMMAND_LINE = bulk.ON_THE_COMMAND_LINE


def record(person: Person, made: Plan) -> BulkRun | None:
    """``made`` as a previewed bulk change of the person's (``None``: it sends nothing)."""
    steps = [s for s in made.steps if s.target is not None and s.action != "not_in_file"]
    judged = [_item(step) for step in steps]
    if not any(item["verdict"] == BulkItem.Verdict.SEND for item in judged):
        return None
    run = bulk.draft(person, [step.target for step in steps if step.target is not None], limit=None)
    BulkItem.objects.bulk_create(
        BulkItem(run=run, position=i, **bulk.named(step.target), **item)  # type: ignore[arg-type]
        for i, (step, item) in enumerate(zip(steps, judged, strict=True))
    )
    sends = sum(item["verdict"] == BulkItem.Verdict.SEND for item in judged)
    run.values = {FROM_FILE: True}
    run.summary = f"a file's plan, {sends} to create or update"
    run.state = BulkRun.State.PREVIEW
    run.save(update_fields=["values", "summary", "state"])
    return run


def from_file(run: BulkRun) -> bool:
    return bool(run.values.get(FROM_FILE))


def _item(step: Step) -> dict[str, Any]:
    """One step as a bulk item's preview: its verdict, rows (now → after), note, and what
    its save is posted."""
    target = step.target
    assert target is not None
    if step.action == "unchanged":
        return {"verdict": BulkItem.Verdict.UNCHANGED}
    if step.action == "unreadable":
        note = "; ".join(step.reasons)
        return {"verdict": BulkItem.Verdict.UNREADABLE, "note": note}
    if step.action in ("refused", "conflict"):
        return _not_sent(f"{step.words}: {'; '.join(step.reasons)}")
    if step.switch_state:
        return _not_sent(
            f"switching {target.full_name} to mirror state refuses pushes to it from then on: "
            f"apply the file with {ON_THE_COMMAND_LINE} --confirm"
        )
    if step.posted is None or step.password is not None:
        return _not_sent(
            f"its password is read from {step.password} where the file is applied "
            f"({ON_THE_COMMAND_LINE}), never by this page"
        )
    posted = {key: step.posted.getlist(key) for key in step.posted if key != "loaded"}
    loaded = changes.unsign(target.namespace, target.name, step.posted.get("loaded") or "")
    rows = [
        {
            "label": c.label,
            "now": changes.format_value(c.field, c.old) if step.action == "update" else "—",
            "after": changes.format_value(c.field, c.new),
        }
        for c in step.changes
    ]
    return {"verdict": BulkItem.Verdict.SEND, "rows": rows, "posted": posted, "loaded": loaded}


def _not_sent(note: str) -> dict[str, Any]:
    return {"verdict": BulkItem.Verdict.REFUSED, "note": note}
