"""The tag-rule editor: its rows with their checks, and the preview of what the rule keeps.

Typing costs no Quay call: the page carries the repository's tag lists, signed
(``changes.sign_editor_tags``); only an editor without them reads the tags and the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.http import QueryDict

from dashboard.quay.client import QuayClient
from dashboard.quay.errors import QuayUnauthorized
from dashboard.quay.fanout import parallel

from .. import changes, globs
from ..forms import MirrorSettingsForm
from .target import RepoTarget


def rules_context(
    form: MirrorSettingsForm | None,
    rows: Sequence[str],
    tag_names: list[str] | None,
    tags_error: str = "",
    focus_last: bool = False,
    last_sync: changes.LastSync | None = None,
    saved_rule: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The glob editor's rows with their checks, and the preview of the rule.

    ``last_sync``: what the newest successful sync found in the source (from Quay's log), so
    the preview can also name matched tags the source may no longer have. ``saved_rule``:
    the rule Quay holds (``None`` for a new mirror): the Save button warns of deletions only
    when the rule being saved is a different one.
    """
    checks = globs.check_rows(list(rows))
    patterns = globs.clean_patterns(list(rows))
    upstream = last_sync.tags if last_sync else None
    result = globs.preview(patterns, tag_names, upstream) if tag_names is not None else None
    row_items = []
    for index, check in enumerate(checks):
        matched = result.by_pattern.get(check.pattern) if result else None
        row_items.append(
            {
                "index": index,
                "check": check,
                "matched": matched,
                "autofocus": focus_last and index == len(checks) - 1,
            }
        )
    return {
        "rule_rows": row_items,
        "preview": result,
        "patterns": patterns,
        "tags_error": tags_error,
        "last_sync": last_sync,
        "rule_errors": form.errors.get("root_rule") if form is not None and form.is_bound else None,
        "rule_changed": saved_rule is None or patterns != list(saved_rule),
    }


def rows_after(data: QueryDict, action: str) -> QueryDict:
    """The posted form with a row added (``add``) or removed (``remove-<n>``)."""
    data = data.copy()
    rows = data.getlist("root_rule")
    if action == "add":
        rows.append("")
    elif action.startswith("remove-"):
        index = _index(action)
        if index is not None and 0 <= index < len(rows):
            rows.pop(index)
    data.setlist("root_rule", rows or [""])
    return data


def focus_after(action: str, rows: Sequence[str]) -> int | None:
    """The row that gets the keyboard focus after ``action``: the new row, or after a removal
    the row that took the removed one's place (the one before it when the last went)."""
    if action == "add":
        return len(rows) - 1
    index = _index(action) if action.startswith("remove-") else None
    return None if index is None else min(index, len(rows) - 1)


def _index(action: str) -> int | None:
    try:
        return int(action.removeprefix("remove-"))
    except ValueError:
        return None


def _tag_lists(
    client: QuayClient, target: RepoTarget, carried: str
) -> tuple[list[str] | None, str, changes.LastSync | None]:
    """The current tags and the newest successful sync's tags: from the signed copy the page
    carries when there is one; otherwise read from Quay (tags and log, in parallel)."""
    unsigned = changes.unsign_editor_tags(target.namespace, target.name, carried)
    if unsigned is not None:
        tag_names, last_sync = unsigned
        return tag_names, "", last_sync
    tags, logs = parallel(
        lambda: client.list_tags(target.namespace, target.name),
        lambda: target.read_logs(client),
    )
    for outcome in (tags, logs):
        if isinstance(outcome.error, QuayUnauthorized):
            raise outcome.error
    last_sync = changes.last_synced_tags(logs.value) if logs.ok else None
    if tags.error is not None:
        return None, f"The repository's current tags could not be read: {tags.error.message}", None
    return [t.name for t in tags.value or []], "", last_sync


def editor(
    client: QuayClient,
    target: RepoTarget,
    posted: Mapping[str, Any],
    rows: Sequence[str],
    focus: int | None = None,
) -> dict[str, Any]:
    """The editor's context for ``rows`` (as posted, or after an add/remove)."""
    carried = posted.get("editor_tags", "") or ""
    tag_names, error, last_sync = _tag_lists(client, target, carried)
    loaded = changes.unsign(target.namespace, target.name, posted.get("loaded", "") or "")
    saved = loaded.get("root_rule") if loaded else None
    context = rules_context(None, rows, tag_names, error, last_sync=last_sync, saved_rule=saved)
    for item in context["rule_rows"]:
        item["autofocus"] = item["index"] == focus
    context.update(
        namespace=target.namespace,
        name=target.name,
        editor_tags=carried
        or changes.sign_editor_tags(target.namespace, target.name, tag_names, last_sync),
    )
    return context
