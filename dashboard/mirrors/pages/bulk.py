"""The pages of a bulk settings change (``operations.bulk``), from the database only: the
form, the preview, the results as they come, the list of recent runs."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.utils import timezone

from ..ascode import bulkrun
from ..forms.bulk import BulkSettingsForm
from ..kinds.base import MirrorKind
from ..models import BulkItem, BulkRun
from ..operations import bulk
from ..person import Person

#: How often the results page looks again while the run waits or runs (seconds).
POLL_SECONDS = 2


def form_for(run: BulkRun) -> BulkSettingsForm:
    """The bulk form as last previewed (never with the password), or empty."""
    initial = {k: v for k, v in run.values.items() if v not in (None, "", False)}
    return BulkSettingsForm(initial=initial)


def _link(target: MirrorKind) -> dict[str, str]:
    return {"full_name": target.full_name, "kind": target.kind, "url": target.url("page")}


def page(run: BulkRun, form: BulkSettingsForm | None = None) -> dict[str, Any]:
    """The run's page: the form (a draft, or ``form`` given back with its errors), else its
    preview, else its results."""
    items = list(run.items.all())
    for item in items:
        target = bulk.target_of({"kind": item.kind, "namespace": item.namespace, "name": item.name})
        item.full_name, item.url = target.full_name, target.url("page")  # type: ignore[attr-defined]
    verdicts = Counter(item.verdict for item in items)
    progress = bulk.progress(run)
    active = run.state in (BulkRun.State.QUEUED, BulkRun.State.RUNNING)
    return {
        "run": run,
        "items": items,
        "targets": [_link(bulk.target_of(named)) for named in run.targets],
        "form": form if form is not None else form_for(run),
        "editing": run.state == BulkRun.State.DRAFT
        or (form is not None and run.state == BulkRun.State.PREVIEW),
        "to_send": verdicts[BulkItem.Verdict.SEND],
        "unchanged": verdicts[BulkItem.Verdict.UNCHANGED],
        "refused": verdicts[BulkItem.Verdict.REFUSED],
        "unreadable": verdicts[BulkItem.Verdict.UNREADABLE],
        "busy": verdicts[BulkItem.Verdict.BUSY],
        "progress": progress,
        "outcomes": [
            (label, progress.counts.get(value, 0))
            for value, label in BulkItem.Outcome.choices
            if progress.counts.get(value)
        ],
        "active": active,
        "bulk_poll": POLL_SECONDS if active else None,
        "password_forgotten": bulk.password_forgotten(run),
        "from_file": bulkrun.from_file(run),
        # A preview's values are Quay's now and what would be sent; once applied, what they
        # were before and what was asked (the result says whether Quay took it).
        "columns": ("now", "after")
        if run.state == BulkRun.State.PREVIEW
        else ("before", "asked for"),
        "stalled": bulk.stalled(run, timezone.now()),
    }


def listing(person: Person) -> dict[str, Any]:
    """``/bulk/runs/``: the changes applied; apart, those previewed and not applied (each
    "Show the plan" of a file that changes something keeps one, to apply it)."""
    return {
        "runs": bulk.runs_of(person, applied=True),
        "unapplied": bulk.runs_of(person, applied=False),
    }
