"""Why a mirror's run failed: the reason in full, in plain words, and its cause as Quay names it.

The one place that reads a failed run's log metadata (its ``message`` and ``stderr``) or a
status message: the repository page's status panel and history, the overview's Last result,
an organization mirror's repositories and the watcher's index all say what :func:`of_entry`
(or :func:`of_status_message`) says, so a search by reason and a failures view grouped by
:attr:`Reason.cause` agree with the pages.

What Quay's worker writes (``workers/repomirrorworker/__init__.py``, quay/quay ffba0c70):

* a repository mirror whose tag listing fails: message ``'<ref>' with tag pattern '<rules>':
  ('skopeo list-tags failed: See output', '<stdout>', '<stderr>')`` (the exception's
  ``str``, a Python tuple), ``stderr`` = skopeo's ``time="…" level=fatal msg="…"``;
* any other exception: ``…: INTERNAL ERROR``, the traceback in ``stderr``;
* tag copies that fail: verb ``lost``, ``…: PARTIAL SYNC`` when some tags made it (the failed
  ones marked ``tag(FAILED)`` in ``tags``), the bare message when none did; a job another
  worker took: ``'<ref>' job lost`` (verb ``lost``);
* a source refused by Quay's SSRF rules: ``Source registry location is not allowed``;
* an organization mirror's repository: ``Failed to list tags for '<ref>': skopeo list-tags
  failed: See output`` (also its status message) with skopeo's words only in ``stderr``;
  ``Sync failed for '<ref>': N/M tags failed`` with ``[tag]: <stderr>; …``; ``Internal error
  listing tags for '<ref>'`` with a traceback.

The cause is Quay's own ``_map_failure_to_reason`` (its metrics' ``reason`` label): the
error text lower-cased, the **first** match in :data:`RULES`' order, on the same text Quay
gives it (the exception's ``str``: the tuple for a skopeo failure, the exception's message
for an internal error, the first failed tag's stderr for failed copies). It is crude ("x509:
certificate signed by unknown authority" is ``auth_failed``: "authority" holds "auth"), but a
page that names it means what Quay means. An organization mirror's failures are classified by
the same rule on the same kind of text (Quay does not classify them itself).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from dashboard.quay.models import LogEntry


class Cause(StrEnum):
    """What Quay's worker calls a failure (its metrics' ``reason``)."""

    AUTH_FAILED = "auth_failed"
    NETWORK_TIMEOUT = "network_timeout"
    CONNECTION_ERROR = "connection_error"
    NOT_FOUND = "not_found"
    TLS_ERROR = "tls_error"
    DECRYPTION_FAILED = "decryption_failed"
    UNKNOWN_ERROR = "unknown_error"
    INVALID_SOURCE_REGISTRY = "invalid_source_registry"
    PREEMPTED = "preempted"

    @property
    def label(self) -> str:
        """The cause in a few words (what a failures view groups under)."""
        return CAUSE_LABELS[self]


CAUSE_LABELS: dict[Cause, str] = {
    Cause.AUTH_FAILED: "Authentication refused",
    Cause.NETWORK_TIMEOUT: "Timed out",
    Cause.CONNECTION_ERROR: "Connection failed",
    Cause.NOT_FOUND: "Not found",
    Cause.TLS_ERROR: "TLS problem",
    Cause.DECRYPTION_FAILED: "Cannot decrypt",
    Cause.UNKNOWN_ERROR: "Other error",
    Cause.INVALID_SOURCE_REGISTRY: "Source not allowed",
    Cause.PREEMPTED: "Pre-empted",
}

#: ``_map_failure_to_reason``: the first rule with a word in the lower-cased text wins.
RULES: tuple[tuple[Cause, tuple[str, ...]], ...] = (
    (Cause.AUTH_FAILED, ("auth", "unauthorized", "forbidden")),
    (Cause.NETWORK_TIMEOUT, ("timeout", "timed out")),
    (Cause.CONNECTION_ERROR, ("connection", "network")),
    (Cause.NOT_FOUND, ("not found", "404")),
    (Cause.TLS_ERROR, ("tls", "certificate", "ssl")),
    (Cause.DECRYPTION_FAILED, ("decrypt",)),
)

NO_REASON = "the sync failed (Quay gave no reason)"
SOURCE_REFUSED = "Source registry location is not allowed"
SEE_OUTPUT = "See output"
INTERNAL = ": INTERNAL ERROR"
PARTIAL = ": PARTIAL SYNC"
#: Quay's placeholder for an output it did not capture.
NOT_APPLICABLE = "Not applicable"


@dataclass(frozen=True)
class Reason:
    """Why a run failed: ``text`` in full (plain words, the tool's noise removed) and Quay's
    cause class."""

    text: str
    cause: Cause = Cause.UNKNOWN_ERROR

    @property
    def cause_label(self) -> str:
        return self.cause.label

    def __str__(self) -> str:
        return self.text


def classify(text: str | None) -> Cause:
    """Quay's ``_map_failure_to_reason`` on ``text``."""
    lowered = str(text or "").lower()
    for cause, words in RULES:
        if any(word in lowered for word in words):
            return cause
    return Cause.UNKNOWN_ERROR


# -- the tool's noise ------------------------------------------------------------------------

_REFERENCE = re.compile(r"^'[^']*' with tag pattern '[^']*'(?::\s*)?", re.S)
_ORG_LISTING = re.compile(r"^Failed to list tags for '[^']*':\s*", re.S)
_ORG_COPIES = re.compile(r"^Sync failed(?: for '[^']*')?:\s*(\d+)/(\d+) tags failed\s*$", re.S)
_ORG_INTERNAL = re.compile(r"^Internal error listing tags for '[^']*'\s*$", re.S)
_TAG_ERRORS = re.compile(r"(?:^|;\s)\[([^\]]+)\]:\s")
_JOB_LOST = re.compile(r"^'[^']*' job lost$")


def skopeo_message(text: str) -> str | None:
    """The last ``msg="…"`` of skopeo's logfmt lines in ``text`` (its escapes undone), or
    None when there is none."""
    found: str | None = None
    for start in (m.end() for m in re.finditer(r'(?:^|\s)msg="', text)):
        chars: list[str] = []
        i = start
        while i < len(text):
            char = text[i]
            if char == "\\" and i + 1 < len(text):
                nxt = text[i + 1]
                chars.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
                i += 2
                continue
            if char == '"':
                break
            chars.append(char)
            i += 1
        found = "".join(chars).strip()
    return found


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _is_traceback(text: str) -> bool:
    return text.lstrip().startswith("Traceback (most recent call last)")


def _exception_message(traceback: str) -> str:
    """``str(e)`` of a traceback's exception (what Quay classified): the last line after its
    ``Class: ``; "" for an exception without a message."""
    line = _last_line(traceback)
    head, sep, rest = line.partition(": ")
    return rest if sep and re.fullmatch(r"[\w.]+", head) else ""


def _exception_words(traceback: str) -> str:
    """A traceback in words: its last line (the exception), module path dropped."""
    line = _last_line(traceback)
    head, sep, rest = line.partition(": ")
    if re.fullmatch(r"[\w.]+", head):
        head = head.rsplit(".", 1)[-1]
    return f"{head}{sep}{rest}"


def plain(text: str | None) -> str:
    """Skopeo's or Python's noise removed from an error text: skopeo's logfmt line becomes its
    message, a traceback its last line, stray whitespace one space."""
    text = str(text or "").strip()
    if not text or text == NOT_APPLICABLE:
        return ""
    said = skopeo_message(text)
    if said:
        return said
    if _is_traceback(text):
        return _exception_words(text)
    return " ".join(text.split())


def _tuple_parts(text: str) -> tuple[str, str, str] | None:
    """``('message', 'stdout', 'stderr')`` as Quay's message carries a skopeo failure."""
    text = text.strip()
    if not (text.startswith("(") and text.endswith(")")):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    if isinstance(value, tuple) and len(value) == 3 and all(isinstance(v, str) for v in value):
        return value[0], value[1], value[2]
    return None


def _text(meta: Mapping[str, Any], key: str) -> str:
    value = meta.get(key)
    return value if isinstance(value, str) else ""


# -- a failed run's log entry ----------------------------------------------------------------


def of_entry(meta: Mapping[str, Any], *, tag_errors: Iterable[str] = ()) -> Reason:
    """The reason of a failed run from its log entry's metadata (``repo_mirror_sync_failed``
    or an organization repository's ``org_mirror_sync_failed``). ``tag_errors``: the stderr
    (else stdout) of the run's failed tag copies, oldest first (``repo_mirror_sync_tag_failed``
    entries), when the caller has them: Quay classifies failed copies by the first."""
    message = _text(meta, "message").strip()
    stderr = _text(meta, "stderr")
    stdout = _text(meta, "stdout")
    verb = _text(meta, "verb").lower()
    if message == SOURCE_REFUSED:
        return Reason(
            "Quay refused the source registry's location when the run started (its SSRF rules "
            "allow no private, loopback or metadata address unless its operator lists it)",
            Cause.INVALID_SOURCE_REGISTRY,
        )
    if verb == "lost" and _JOB_LOST.match(message):
        return Reason("another mirror worker took the job over (pre-empted)", Cause.PREEMPTED)
    if _ORG_INTERNAL.match(message) or message.endswith(INTERNAL):
        return _internal(stderr)
    org = _ORG_COPIES.match(message)
    if org is not None:
        return _org_copies(int(org.group(1)), int(org.group(2)), stderr, _text(meta, "tags"))
    if verb == "lost":
        return _copies(message, _text(meta, "tags"), list(tag_errors))
    rest = _REFERENCE.sub("", message, count=1)
    parts = _tuple_parts(rest)
    if parts is not None:  # a repository mirror's skopeo failure: str(e) is the tuple
        said, out, err = parts
        return Reason(_skopeo_words(said, err or stderr, out or stdout), classify(rest))
    listing = _ORG_LISTING.match(rest)
    if listing is not None:  # an organization repository's: Quay's e.message, then the outputs
        said = rest[listing.end() :]
        return Reason(_skopeo_words(said, stderr, stdout), classify(f"{said} {stdout} {stderr}"))
    words = plain(stderr) or plain(rest) or NO_REASON
    return Reason(words, classify(rest or stderr))


def _skopeo_words(said: str, stderr: str, stdout: str) -> str:
    """What skopeo said, else Quay's words without "See output"."""
    found = plain(stderr) or plain(stdout)
    if found:
        return found
    said = said.strip()
    if said.endswith(SEE_OUTPUT):
        said = said.removesuffix(SEE_OUTPUT).rstrip(": ")
        return f"{said} (Quay kept no output)" if said else NO_REASON
    if said.startswith("Failed to decrypt credentials"):
        return "the stored credentials could not be decrypted (Quay's secret key changed?)"
    return said or NO_REASON


def _internal(traceback: str) -> Reason:
    """Quay's worker failed in its own code: the traceback's exception, and the cause of its
    message (``str(e)``: "" for an exception without one)."""
    what = _exception_words(traceback) if _is_traceback(traceback) else plain(traceback)
    words = "an internal error in Quay's mirror worker"
    if "DecryptionFailure" in what:
        words = "the stored credentials could not be decrypted (Quay's secret key changed?)"
    return Reason(f"{words}: {what}" if what else words, classify(_exception_message(traceback)))


def _copies(message: str, tags: str, tag_errors: list[str]) -> Reason:
    """Tag copies failed (verb ``lost``): some (PARTIAL SYNC, the failed ones marked) or all."""
    first = next((e for e in tag_errors if e), "")
    why = plain(first)
    cause = classify(first or "unknown")
    if message.endswith(PARTIAL):
        failed = [t.removesuffix("(FAILED)").strip() for t in tags.split(",") if "(FAILED)" in t]
        which = f": {', '.join(failed)}" if failed else ""
        text = f"some tags were copied and others failed (partial sync){which}"
    elif tag_errors:
        text = "no tag could be copied"
    else:
        text = "the tag copies failed or another worker took the job over (Quay's log says which)"
    return Reason(f"{text}; the first failed because: {why}" if why else text, cause)


def _org_copies(failed: int, total: int, stderr: str, tags: str) -> Reason:
    """An organization repository's failed copies: ``[tag]: <stderr>; [tag]: …``."""
    errors = _tag_errors(stderr)
    names = [name for name, _ in errors] or [t.strip() for t in tags.split(",") if t.strip()]
    text = f"{failed} of {total} tags could not be copied"
    if names:
        text += f" ({', '.join(names)})"
    first = errors[0][1] if errors else ""
    why = plain(first)
    return Reason(f"{text}; the first failed because: {why}" if why else text, classify(first))


def _tag_errors(stderr: str) -> list[tuple[str, str]]:
    """``[tag]: err; [tag2]: err2`` as Quay joins an organization repository's copy errors."""
    marks = list(_TAG_ERRORS.finditer(stderr))
    found = []
    for i, mark in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(stderr)
        found.append((mark.group(1), stderr[mark.end() : end]))
    return found


def of_run(entry: LogEntry, logs: Iterable[LogEntry] = ()) -> Reason:
    """The reason of the failed run that ``entry`` ended, with the rest of the log (newest
    first, as Quay lists it) when the caller has it: the run's failed tag copies (Quay
    classifies failed copies by the first) and a ``job lost`` entry Quay writes just before the
    run's last one (a pre-empted run)."""
    meta = entry.metadata
    if _text(meta, "verb").lower() != "lost" or entry.kind != "repo_mirror_sync_failed":
        return of_entry(meta)
    repo = meta.get("repo")
    entries = [e for e in logs if e is entry or not repo or e.metadata.get("repo") in (None, repo)]
    at = next((i for i, other in enumerate(entries) if other is entry), None)
    if at is None:
        return of_entry(meta)
    run = [other for other in entries[:at] if other.datetime == entry.datetime]
    for other in entries[at + 1 :]:
        lost = _JOB_LOST.match(_text(other.metadata, "message").strip())
        if other.kind in ("repo_mirror_sync_started", "repo_mirror_sync_success") or (
            other.kind == "repo_mirror_sync_failed" and not lost
        ):
            break
        run.append(other)
    for other in run:
        if other.kind == "repo_mirror_sync_failed" and _JOB_LOST.match(
            _text(other.metadata, "message").strip()
        ):
            return of_entry(other.metadata)
    errors = [
        _text(e.metadata, "stderr") or _text(e.metadata, "stdout")
        for e in run
        if e.kind == "repo_mirror_sync_tag_failed"
    ]
    return of_entry(meta, tag_errors=list(reversed(errors)))


# -- a status message (Quay's own words on a repository, without the log) --------------------


def of_status_message(message: str | None) -> Reason:
    """The reason an organization mirror's repository (or a discovery) gives in its status
    message alone; "… See output" says the reason is in the log."""
    text = str(message or "").strip()
    if not text:
        return Reason(NO_REASON)
    copies = _ORG_COPIES.match(text)
    if copies is not None:
        failed, total = copies.groups()
        return Reason(f"{failed} of {total} tags could not be copied", Cause.UNKNOWN_ERROR)
    rest = _ORG_LISTING.sub("", text, count=1)
    if rest.endswith(SEE_OUTPUT):
        said = rest.removesuffix(SEE_OUTPUT).rstrip(": ")
        return Reason(f"{said} (the reason is in Quay's log)", classify(rest))
    if rest.startswith("Failed to decrypt credentials"):
        return Reason(_skopeo_words(rest, "", ""), classify(rest))
    return Reason(plain(rest) or NO_REASON, classify(rest))


def is_see_output(message: str | None) -> bool:
    """Quay's status message sends the reader to the log ("…: See output")."""
    return str(message or "").rstrip().endswith(SEE_OUTPUT)


def in_log(message: str | None) -> bool:
    """An organization mirror's repository whose status message leaves its reason to the log:
    "… See output" (skopeo's words are in the entry's stderr), "N/M tags failed" (which tags,
    and why), an internal error (its traceback)."""
    text = str(message or "").strip()
    return bool(is_see_output(text) or _ORG_COPIES.match(text) or _ORG_INTERNAL.match(text))


# -- the failures view's groups: Quay's causes, partial sync apart, and what to do -----------

#: A run that copied some tags and failed others (``…: PARTIAL SYNC``): its own group, whatever
#: its first failed tag's cause.
PARTIAL_SYNC = "partial_sync"

GROUP_LABELS: dict[str, str] = {
    **{cause.value: label for cause, label in CAUSE_LABELS.items()},
    PARTIAL_SYNC: "Partial sync",
}

#: What to do about a failure of each group (the failures view's remedy sentence).
REMEDIES: dict[str, str] = {
    Cause.AUTH_FAILED.value: (
        "The source refused the mirror's credentials (or, as Quay classifies it, a certificate "
        "authority it does not know): check the mirror's username and password for the source, "
        "and that its robot exists; if the reason names a certificate, see its TLS settings."
    ),
    Cause.NETWORK_TIMEOUT.value: (
        "The source did not answer in time: check that Quay's mirror workers can reach it "
        "(network, firewall, the mirror's proxy settings), or raise the mirror's timeout."
    ),
    Cause.CONNECTION_ERROR.value: (
        "Quay could not connect to the source: check its address, and the network and proxy "
        "between Quay's mirror workers and the source."
    ),
    Cause.NOT_FOUND.value: (
        "The source has no such repository, namespace or tag: check the mirror's source (a "
        "repository mirror's reference and tag rules; an organization mirror's registry and "
        "namespace)."
    ),
    Cause.TLS_ERROR.value: (
        "The source's certificate was refused: renew it at the source, give Quay its CA, or "
        "(for a registry you trust) turn the mirror's TLS verification off."
    ),
    Cause.DECRYPTION_FAILED.value: (
        "Quay cannot decrypt the stored credentials (its secret key changed): enter the "
        "mirror's source password again."
    ),
    Cause.INVALID_SOURCE_REGISTRY.value: (
        "Quay's rules refuse this source's location: use a public address, or ask Quay's "
        "operator to allow it (SSRF_ALLOWED_HOSTS)."
    ),
    Cause.PREEMPTED.value: (
        "Another mirror worker took the job over: Quay runs it again by itself; if it keeps "
        "happening, check the mirror workers' health."
    ),
    Cause.UNKNOWN_ERROR.value: (
        "Read Quay's reason below: the source may deny access (a private repository needs "
        "credentials), speak plain HTTP, or Quay's worker failed; fix it, then Sync now."
    ),
    PARTIAL_SYNC: (
        "Some tags were copied and others failed: check the failed tags at the source and the "
        "mirror's tag rules; the next run copies them again."
    ),
}


def is_partial(meta: Mapping[str, Any]) -> bool:
    """A run that copied some tags and failed others (Quay's ``…: PARTIAL SYNC``)."""
    return _text(meta, "message").strip().endswith(PARTIAL)


def is_cancel(meta: Mapping[str, Any]) -> bool:
    """A ``repo_mirror_sync_failed`` that is a person's Cancel (verb ``Cancelled``)."""
    return _text(meta, "verb").lower() == "cancelled"


def group_of(cause: str, partial: bool = False) -> str:
    """The failures view's group of a run: partial sync apart, else Quay's cause."""
    if partial:
        return PARTIAL_SYNC
    return cause if cause in GROUP_LABELS else Cause.UNKNOWN_ERROR.value
