"""A mirror config as a save compares it: a *snapshot*, a flat, JSON-safe dict of the editable
fields of either kind (dates as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, whole seconds; lists; a
choice by its value; ``None`` for an empty text). ``rules.changes`` compares them."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from dashboard.quay.dates import format_quay_datetime

Snapshot = dict[str, Any]
#: Snapshot fields kept sorted (their order means nothing to Quay).
SORTED = ("architecture_filter",)


def date_in_seconds(value: datetime | None) -> str | None:
    """A moment as a snapshot keeps it: Quay's format, whole seconds (Quay returns
    microseconds after a sync; the form and Quay's writes use whole seconds)."""
    return format_quay_datetime(value.replace(microsecond=0)) if value else None


def snapshot_of(values: Any, fields: Iterable[str]) -> Snapshot:
    """The editable ``fields`` of either kind from a config Quay returned (its attributes) or
    a valid form's ``cleaned_data`` (a mapping; a field not in it is left out)."""
    result: Snapshot = {}
    for name in fields:
        if isinstance(values, Mapping) and name not in values:
            continue
        value = values[name] if isinstance(values, Mapping) else getattr(values, name)
        if name == "sync_start_date":
            value = date_in_seconds(value)
        elif name in SORTED:
            value = sorted(value)
        elif isinstance(value, list | tuple):
            value = list(value)
        elif isinstance(value, enum.Enum):
            value = value.value
        elif isinstance(value, str) and not value:
            value = None
        result[name] = value
    return result
