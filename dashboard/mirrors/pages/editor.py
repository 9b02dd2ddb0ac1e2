"""The glob editor: its rows with their checks, and the preview of what the patterns keep.

One editor (``settings_form.html#rules``) serves two kinds of patterns (:class:`Kind`): a
repository mirror's tag rule (:data:`TAG_RULE`, previewed against the repository's tags) and
an organization mirror's repository filters (:data:`REPOSITORY_FILTERS`, previewed against
the repository names discovered at the source; ``org_form_context``). The rows' add/remove
and check requests go where the :class:`Editor` says.

Typing in the tag rule costs no Quay call: the page carries the repository's tag lists, signed
(``sign_editor_tags``); only an editor without them reads the tags and the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.http import QueryDict
from django.urls import reverse

from dashboard.mirrors.rules import changes, globs, history
from dashboard.mirrors.rules.snapshots import date_in_seconds
from dashboard.quay.client import QuayClient
from dashboard.quay.dates import parse_quay_datetime
from dashboard.quay.errors import QuayUnauthorized
from dashboard.quay.fanout import parallel

if TYPE_CHECKING:  # annotations only: the editor runs on a form's data, not its class
    from dashboard.mirrors.forms.repository import MirrorSettingsForm
    from dashboard.mirrors.kinds.repository import RepoTarget


@dataclass(frozen=True)
class Kind:
    """What an editor's patterns match: its words, the input its rows post, its preview."""

    name: str  #: "tags" or "repositories" (the template's help text)
    field: str  #: the name of every row's input
    subject: globs.Subject
    legend: str
    row_label: str
    add_label: str
    remove_label: str
    #: The template partial that previews what the patterns keep
    preview: str
    #: A row's note when its pattern matches nothing known
    none_matched: str
    #: No pattern at all means every one (filters) rather than an error (a tag rule)
    empty_means_all: bool


TAG_RULE = Kind(
    "tags",
    "root_rule",
    globs.TAGS,
    "Tags to mirror",
    "Tag pattern",
    "+ Add pattern",
    "Remove pattern",
    "mirrors/settings_form.html#preview",
    "matches no current tag",
    empty_means_all=False,
)
REPOSITORY_FILTERS = Kind(
    "repositories",
    "repository_filters",
    globs.REPOSITORY_NAMES,
    "Repositories to mirror",
    "Repository filter",
    "+ Add filter",
    "Remove filter",
    "mirrors/org_settings.html#preview",
    "matches no repository discovered so far",
    empty_means_all=True,
)


@dataclass(frozen=True)
class Editor:
    """One editor on a page: its kind, and where its add/remove (``rules_url``) and its
    checks as typed (``check_url``) post."""

    kind: Kind
    rules_url: str
    check_url: str


def tag_editor(namespace: str, name: str) -> Editor:
    return Editor(
        TAG_RULE,
        reverse("mirrors:repo-rules", args=[namespace, name]),
        reverse("mirrors:repo-rules-check", args=[namespace, name]),
    )


def filter_editor(org: str) -> Editor:
    return Editor(
        REPOSITORY_FILTERS,
        reverse("mirrors:org-mirror-rules", args=[org]),
        reverse("mirrors:org-mirror-rules-check", args=[org]),
    )


def row_items(
    kind: Kind,
    rows: Sequence[str],
    by_pattern: Mapping[str, Sequence[str]] | None,
    focus: int | None = None,
) -> list[dict[str, Any]]:
    """Each row with its checks and (``by_pattern`` known) what its pattern matches; the row
    ``focus`` gets the keyboard focus."""
    items = []
    for index, check in enumerate(globs.check_rows(list(rows), kind.subject)):
        matched = by_pattern.get(check.pattern) if by_pattern is not None else None
        items.append(
            {"index": index, "check": check, "matched": matched, "autofocus": index == focus}
        )
    return items


def rules_context(
    form: MirrorSettingsForm | None,
    rows: Sequence[str],
    tag_names: list[str] | None,
    tags_error: str = "",
    focus_last: bool = False,
    last_sync: history.LastSync | None = None,
    saved_rule: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The glob editor's rows with their checks, and the preview of the rule.

    ``last_sync``: what the newest successful sync found in the source (from Quay's log), so
    the preview can also name matched tags the source may no longer have. ``saved_rule``:
    the rule Quay holds (``None`` for a new mirror).

    ``save_deletes``: the tags the Save (or Create) button says it deletes: only for a rule
    that saving would send (at least one pattern, no row in error: an empty or broken rule is
    refused, and deletes nothing) and that differs from the one Quay holds.
    """
    patterns = globs.clean_patterns(list(rows))
    upstream = last_sync.tags if last_sync else None
    result = globs.preview(patterns, tag_names, upstream) if tag_names is not None else None
    focus = len(rows) - 1 if focus_last else None
    items = row_items(TAG_RULE, rows, result.by_pattern if result else None, focus)
    sendable = bool(patterns) and all(item["check"].ok for item in items)
    changed = saved_rule is None or patterns != list(saved_rule)
    return {
        "rule_rows": items,
        "preview": result,
        "patterns": patterns,
        "tags_error": tags_error,
        "last_sync": last_sync,
        "rule_errors": form.errors.get("root_rule") if form is not None and form.is_bound else None,
        "save_deletes": result.deleted if result is not None and sendable and changed else (),
    }


def rows_after(data: QueryDict, action: str, kind: Kind = TAG_RULE) -> QueryDict:
    """The posted form with a row added (``add``) or removed (``remove-<n>``)."""
    data = data.copy()
    rows = data.getlist(kind.field)
    if action == "add":
        rows.append("")
    elif action.startswith("remove-"):
        index = _index(action)
        if index is not None and 0 <= index < len(rows):
            rows.pop(index)
    data.setlist(kind.field, rows or [""])
    return data


def focus_on(context: Mapping[str, Any], focus: int | None) -> None:
    """The editor's row ``focus`` takes the keyboard focus (``None``: none does)."""
    for item in context.get("rule_rows", ()):
        item["autofocus"] = item["index"] == focus


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
) -> tuple[list[str] | None, str, history.LastSync | None]:
    """The current tags and the newest successful sync's tags: from the signed copy the page
    carries when there is one; otherwise read from Quay (tags and log, in parallel)."""
    unsigned = unsign_editor_tags(target.namespace, target.name, carried)
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
    last_sync = history.last_synced_tags(logs.value) if logs.ok else None
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
    focus_on(context, focus)
    context.update(
        editor=tag_editor(target.namespace, target.name),
        namespace=target.namespace,
        name=target.name,
        editor_tags=carried
        or sign_editor_tags(target.namespace, target.name, tag_names, last_sync),
    )
    return context


# -- the glob editor's tag lists, carried by the page (no Quay call per keystroke) ---------------

_EDITOR_SALT = "mirrors.editor-tags"
#: Beyond this many tags the page does not carry them (the editor asks Quay instead).
EDITOR_TAGS_LIMIT = 3000
#: How long the carried lists are trusted before the editor reads them from Quay again.
EDITOR_TAGS_MAX_AGE = 30 * 60


def sign_editor_tags(
    namespace: str, name: str, tag_names: list[str] | None, last_sync: history.LastSync | None
) -> str:
    """The current tags and the last sync's tags, signed for the page to carry ("" if too many
    or unknown)."""
    if tag_names is None or len(tag_names) > EDITOR_TAGS_LIMIT:
        return ""
    synced = sorted(last_sync.tags) if last_sync else None
    if synced is not None and len(synced) > EDITOR_TAGS_LIMIT:
        return ""
    when = date_in_seconds(last_sync.when) if last_sync and last_sync.when else None
    payload = {"repo": f"{namespace}/{name}", "tags": tag_names, "synced": synced, "when": when}
    return signing.dumps(payload, salt=_EDITOR_SALT, compress=True)


def unsign_editor_tags(
    namespace: str, name: str, token: str
) -> tuple[list[str], history.LastSync | None] | None:
    """What :func:`sign_editor_tags` carried, or ``None`` (missing, altered, old, another repo)."""
    if not token or len(token) > 200_000:
        return None
    try:
        data = signing.loads(token, salt=_EDITOR_SALT, max_age=EDITOR_TAGS_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("repo") != f"{namespace}/{name}":
        return None
    tags = data.get("tags")
    if not isinstance(tags, list):
        return None
    synced = data.get("synced")
    last_sync = (
        history.LastSync(parse_quay_datetime(data.get("when")), frozenset(synced))
        if isinstance(synced, list)
        else None
    )
    return [str(t) for t in tags], last_sync
