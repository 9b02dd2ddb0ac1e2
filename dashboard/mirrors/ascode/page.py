"""The mirrors-as-code page (``/as-code/``): export a file of the person's namespaces,
upload one and see its plan. What it reads is :mod:`.export`'s and :mod:`.plan`'s; here
only what the page needs besides (the person's namespaces) and the file as uploaded. Where
Quay differs from a file is the drift report's (:func:`.drift.drifted`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from dashboard.mirrors.person import Person
from dashboard.quay import names
from dashboard.quay.client import QuayClient

from ..overview.scope import scope
from . import bulkrun, document, plan

#: The largest file the page reads (a file of 5,000 mirrors is about 4 MB of YAML).
MAX_FILE_BYTES = 8 * 1024 * 1024
FORMATS = ("yaml", "json")


def namespaces(client: QuayClient, person: Person, now: datetime) -> list[str]:
    """The person's namespaces (``GET /user/``, unless they were seen lately: no call).
    Raises the :class:`QuayError` of ``GET /user/``."""
    return scope(client, person=person, now=now, superuser=False).namespaces


def chosen(values: Sequence[str]) -> list[str]:
    """The namespaces asked for, named as Quay allows, each once."""
    return list(dict.fromkeys(v for v in values if names.valid_namespace(v)))


def file_name(namespaces: Sequence[str], fmt: str, now: datetime) -> str:
    who = namespaces[0] if len(namespaces) == 1 else f"{len(namespaces)}-namespaces"
    return f"mirrors-{who}-{now.astimezone(UTC):%Y%m%d-%H%M}.{fmt}"


def read_upload(upload: Any, pasted: str) -> tuple[str, str]:
    """The file's text (an upload, else what was pasted), or why it cannot be read."""
    if upload is None:
        if len(pasted.encode("utf-8")) > MAX_FILE_BYTES:
            return "", f"The text is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."
        return (pasted, "") if pasted.strip() else ("", "Choose a file, or paste one.")
    if upload.size > MAX_FILE_BYTES:
        return "", f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB."
    try:
        return upload.read().decode("utf-8"), ""
    except UnicodeDecodeError:
        return "", "The file is not text (UTF-8): a YAML or JSON file is."


#: A password written in a file (not ``{env: NAME}``/``{file: PATH}``, not empty): YAML or JSON,
#: read even where the file is not valid YAML.
_WRITTEN_PASSWORD = re.compile(
    r"""["']?external_registry_password["']?\s*:\s*(?![\s,}]|\{|null\b|~)""", re.MULTILINE
)


def kept(text: str, pasted: str) -> tuple[str, bool]:
    """What the page's text box shows again after a plan, a comparison or an error: the file
    as read (an upload's text, to correct one line of it), else what was pasted -- nothing
    larger than the page reads -- and whether it is withheld because it holds a password
    (write-only: never sent back to the browser)."""
    said = text or pasted
    if _WRITTEN_PASSWORD.search(said):
        return "", True
    return (said if len(said.encode("utf-8")) <= MAX_FILE_BYTES else ""), False


def planned(client: QuayClient, person: Person, text: str, now: datetime) -> dict[str, Any]:
    """The page's context for a file: its plan, kept as a previewed bulk change to apply
    (``bulkrun``: none when it sends nothing), or why it cannot be used. Passwords'
    references are not read here (the server's environment is not the person's): such a
    mirror is planned, and applied with the command line."""
    parsed = document.parse(text)
    if parsed.errors:
        return {"file_errors": parsed.errors}
    made = plan.plan(client, person.username, parsed, now)
    return {"plan": made, "summary": made.summary, "run": bulkrun.record(person, made)}
