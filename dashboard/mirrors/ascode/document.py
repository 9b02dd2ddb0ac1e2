"""Mirrors as code: the file (YAML or JSON) that describes mirrors, read and written.

One entry a mirror, with Quay's own field names (those of ``GET …/mirror`` for its kind:
``external_reference``, ``root_rule`` ``{rule_kind, rule_value}``, ``sync_interval``,
``external_registry_config`` ``{verify_tls, unsigned_images, proxy {…}}``, …), which fields
a kind has is the kind's (``MirrorKind.fields``, the snapshot a save compares): an entry is
that snapshot written as Quay writes it, and read back into one. Secrets are never in a file:
a password is a reference (``{env: NAME}`` or ``{file: PATH}``) resolved where the file is
applied. ``fingerprint`` is what each entry was exported from (:func:`fingerprint`), to
tell a change made in Quay since.

Pure: no call to Quay. A bad file never raises: :func:`parse` says what is wrong, with the
line and the field, and an entry that is wrong in itself is kept with its problems (the plan
marks it refused) while the others go on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import yaml

from dashboard.quay import names
from dashboard.quay.dates import format_quay_datetime, parse_quay_datetime

from ..kinds import target_of
from ..kinds.base import MirrorKind
from ..models import redact_url
from ..rules.changes import Snapshot

VERSION = 1
KINDS = ("repository", "organization")
#: The snapshot fields Quay keeps inside ``external_registry_config`` (``proxy`` for the
#: three proxies), for either kind.
PROXIES = ("http_proxy", "https_proxy", "no_proxy")
REGISTRY_CONFIG = ("verify_tls", "unsigned_images")
PASSWORD = "external_registry_password"  # noqa: S105 - a field name
NOT_INLINE = (
    "a password is never written in the file: write the password as {env: NAME} (an "
    "environment variable) or {file: PATH} (a file holding it)"
)
_ENTRY_KEYS = ("kind", "namespace", "repository", "state", "fingerprint")
_TOP_KEYS = ("version", "exported_from", "exported_at", "mirrors")


# -- what a file holds ----------------------------------------------------------------------


@dataclass(frozen=True)
class Secret:
    """Where a password is to be read: ``env`` (an environment variable) or ``file``."""

    source: str
    name: str

    def __str__(self) -> str:
        return f"${self.name}" if self.source == "env" else f"the file {self.name}"


@dataclass
class Entry:
    """One mirror of a file: who it is, the fields it sets (as a snapshot), its password's
    reference, and what is wrong with it (``problems``: it is refused in advance)."""

    number: int
    line: int
    target: MirrorKind | None = None
    values: Snapshot = field(default_factory=dict)
    #: Fields set only when a mirror is created (an organization mirror's source type).
    fixed: dict[str, Any] = field(default_factory=dict)
    password: Secret | None = None
    #: ``MIRROR``: switch the repository to mirror state when it is not (a create).
    state: str = ""
    fingerprint: str = ""
    problems: list[str] = field(default_factory=list)
    #: The line of each field given (Quay's name; ``external_registry_config``'s parts by
    #: their own), to say where a refusal is.
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.target.full_name if self.target is not None else f"entry {self.number}"


@dataclass
class Document:
    """A file read: its entries, or why it cannot be read at all (``errors``)."""

    entries: list[Entry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def namespaces(self) -> list[str]:
        found = [e.target.namespace for e in self.entries if e.target is not None]
        return list(dict.fromkeys(found))


# -- fields and their shapes -----------------------------------------------------------------


def document_fields(target: MirrorKind) -> tuple[str, ...]:
    """The keys of an entry of ``target``'s kind, Quay's names, in the order written."""
    flat = [f for f in target.fields if f not in PROXIES and f not in REGISTRY_CONFIG]
    keys = [*target.fixed_fields, *flat, PASSWORD, "external_registry_config"]
    return tuple(keys)


def fingerprint(snapshot: Mapping[str, Any]) -> str:
    """What an entry was exported from: a hash of the config's fields as a save compares
    them, but the start date (the worker moves it after every run: no conflict)."""
    kept = {k: v for k, v in sorted(snapshot.items()) if k != "sync_start_date"}
    digest = hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()
    return f"sha256:{digest[:20]}"


def to_entry(target: MirrorKind, snapshot: Snapshot, fixed: Mapping[str, Any]) -> dict[str, Any]:
    """An entry of the file for a mirror whose config is ``snapshot`` (``fixed``: what the
    kind sets at creation, e.g. the source type), as Quay writes the fields."""
    entry: dict[str, Any] = {"kind": target.kind, "namespace": target.namespace}
    if target.name:
        entry["repository"] = target.name
        entry["state"] = "MIRROR"
    entry.update({name: fixed[name] for name in target.fixed_fields if name in fixed})
    for name in target.fields:
        if name in PROXIES or name in REGISTRY_CONFIG:
            continue
        value = snapshot.get(name)
        if name == "root_rule":
            value = {"rule_kind": "tag_glob_csv", "rule_value": list(value or [])}
        entry[name] = value
    registry: dict[str, Any] = {k: snapshot[k] for k in REGISTRY_CONFIG if k in target.fields}
    registry["proxy"] = {k: redact_url(snapshot.get(k) or None) for k in PROXIES}
    entry["external_registry_config"] = registry
    entry["fingerprint"] = fingerprint(snapshot)
    return entry


def dump(entries: list[dict[str, Any]], fmt: str, exported_from: str, now: datetime) -> str:
    """The file: ``fmt`` ``yaml`` or ``json``."""
    data = {
        "version": VERSION,
        "exported_from": exported_from,
        "exported_at": format_quay_datetime(now),
        "mirrors": entries,
    }
    if fmt == "json":
        return json.dumps(data, indent=2) + "\n"
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


# -- reading ---------------------------------------------------------------------------------


class _Lines:
    """Where each value of a composed YAML document starts (1-based line), by its path."""

    def __init__(self, node: yaml.Node | None) -> None:
        self.at: dict[tuple[Any, ...], int] = {}
        self.duplicates: list[str] = []
        self._seen: set[int] = set()
        if node is not None:
            self._walk(node, ())

    def _walk(self, node: yaml.Node, path: tuple[Any, ...]) -> None:
        if id(node) in self._seen:  # an alias: its lines are the anchor's (and it may loop)
            return
        self._seen.add(id(node))
        self.at[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else str(key)
                if name in seen:
                    self.duplicates.append(f"line {key.start_mark.line + 1}: {name} given twice")
                seen.add(name)
                self.at[(*path, name, "key")] = key.start_mark.line + 1
                self._walk(value, (*path, name))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, (*path, index))

    def line(self, *path: Any) -> int:
        while path and path not in self.at:
            path = path[:-1]
        return self.at.get(path, 1)


def parse(text: str) -> Document:
    """Read a file (YAML, or JSON, which YAML reads too). Never raises."""
    doc = Document()
    if text.lstrip().startswith(("{", "[")):  # JSON: said in JSON's words (YAML takes more)
        try:
            json.loads(text)
        except json.JSONDecodeError as bad:
            doc.errors.append(f"line {bad.lineno}: not valid JSON: {bad.msg}")
            return doc
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        doc.errors.append(_syntax_error(error))
        return doc
    lines = _Lines(node)
    doc.errors.extend(lines.duplicates)
    if not isinstance(data, dict):
        doc.errors.append("line 1: the file must be a mapping with version and mirrors")
        return doc
    for key in data:
        if key not in _TOP_KEYS:
            doc.errors.append(
                f"line {lines.line(key, 'key')}: unknown field {key!r} (a file has "
                f"{', '.join(_TOP_KEYS)})"
            )
    if data.get("version") != VERSION:
        doc.errors.append(
            f"line {lines.line('version')}: version must be {VERSION}, got {data.get('version')!r}"
        )
    mirrors = data.get("mirrors")
    if not isinstance(mirrors, list):
        doc.errors.append(f"line {lines.line('mirrors')}: mirrors must be a list of mirrors")
        return doc
    for index, item in enumerate(mirrors):
        doc.entries.append(_entry(item, index, lines))
    secrets = [p for e in doc.entries for p in e.problems if NOT_INLINE in p]
    if secrets:  # a file that holds a password is refused whole: it must not be used
        doc.errors.extend(secrets)
    seen: dict[MirrorKind, int] = {}
    for entry in doc.entries:
        if entry.target is None:
            continue
        if entry.target in seen:
            entry.problems.append(
                f"line {entry.line}: {entry.name} is described twice (also at line "
                f"{seen[entry.target]})"
            )
        seen.setdefault(entry.target, entry.line)
    return doc


def _syntax_error(error: yaml.YAMLError) -> str:
    """What is wrong with a file that is not YAML, with its line."""
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    where = f"line {mark.line + 1}: " if mark is not None else ""
    words = getattr(error, "problem", None) or getattr(error, "context", None) or str(error)
    return f"{where}not valid YAML: {words}"


def _entry(item: Any, index: int, lines: _Lines) -> Entry:
    here = ("mirrors", index)
    entry = Entry(index + 1, lines.line(*here))
    if not isinstance(item, dict):
        entry.problems.append(f"line {entry.line}: a mirror must be a mapping of its fields")
        return entry
    kind, namespace = item.get("kind"), item.get("namespace")
    if kind not in KINDS:
        entry.problems.append(
            f"line {lines.line(*here, 'kind')}: kind must be repository or organization, "
            f"got {kind!r}"
        )
        return entry
    if not isinstance(namespace, str) or not names.valid_namespace(namespace):
        entry.problems.append(
            f"line {lines.line(*here, 'namespace')}: namespace must be a Quay namespace name, "
            f"got {namespace!r}"
        )
        return entry
    if kind == "repository":
        repo = item.get("repository")
        if not isinstance(repo, str) or not names.valid_repository(namespace, repo):
            entry.problems.append(
                f"line {lines.line(*here, 'repository')}: repository must be a repository "
                f"name, got {repo!r}"
            )
            return entry
        entry.target = target_of({"namespace": namespace, "name": repo})
    else:
        entry.target = target_of({"org": namespace})
    allowed = {*_ENTRY_KEYS, *document_fields(entry.target)}
    if entry.target.name:
        allowed |= {"repository", "state"}
    else:
        allowed -= {"repository", "state"}
    for key, value in item.items():
        at = lines.line(*here, key)
        if key not in allowed:
            entry.problems.append(
                f"line {lines.line(*here, key, 'key')}: {entry.name}: unknown field {key!r} "
                f"for a {kind} mirror"
            )
            continue
        entry.lines[key] = at
        if key == "external_registry_config" and isinstance(value, dict):
            for part in (*REGISTRY_CONFIG, "proxy"):
                entry.lines[part] = lines.line(*here, key, part)
            for proxy in PROXIES:
                entry.lines[proxy] = lines.line(*here, key, "proxy", proxy)
        if key in ("kind", "namespace", "repository"):
            continue
        problem = _read_field(entry, key, value)
        if problem:
            entry.problems.append(f"line {at}: {entry.name}: {problem}")
    return entry


def _read_field(entry: Entry, key: str, value: Any) -> str:
    """Put ``value`` of ``key`` into ``entry`` as a snapshot holds it; what is wrong ("")."""
    target = entry.target
    assert target is not None
    if key == "state":
        if value != "MIRROR":
            return "state must be MIRROR (the repository is switched to mirror state)"
        entry.state = value
        return ""
    if key == "fingerprint":
        if not isinstance(value, str):
            return "fingerprint must be the text the export wrote"
        entry.fingerprint = value
        return ""
    if key == PASSWORD:
        return _read_secret(entry, value)
    if key == "external_registry_config":
        return _read_registry_config(entry, value)
    if key in target.fixed_fields:
        if not isinstance(value, str):
            return f"{key} must be text, got {_shown(value)}"
        entry.fixed[key] = value
        return ""
    if key == "root_rule":
        if not isinstance(value, dict) or set(value) - {"rule_kind", "rule_value"}:
            return "root_rule must be {rule_kind: tag_glob_csv, rule_value: [patterns]}"
        if value.get("rule_kind", "tag_glob_csv") != "tag_glob_csv":
            return f"root_rule.rule_kind must be tag_glob_csv, got {value.get('rule_kind')!r}"
        value = value.get("rule_value")
    read, problem = _typed(key, value)
    if not problem:
        entry.values[key] = read
    return problem


def _typed(key: str, value: Any) -> tuple[Any, str]:
    """``value`` of the flat field ``key`` as a snapshot holds it, or what is wrong."""
    if key in ("is_enabled", "verify_tls", "unsigned_images"):
        if not isinstance(value, bool):
            return None, _want(key, "true or false", value)
        return value, ""
    if key in ("sync_interval", "skopeo_timeout_interval", "skopeo_timeout"):
        if isinstance(value, bool) or not isinstance(value, int):
            return None, _want(key, "a whole number of seconds", value)
        return value, ""
    if key == "sync_start_date":
        moment = value if isinstance(value, datetime) else parse_quay_datetime(value)
        if moment is None:
            return None, _want(key, "a UTC time like 2026-12-07T02:00:00Z", value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return format_quay_datetime(moment), ""
    if key in ("root_rule", "repository_filters", "architecture_filter"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None, _want(key, "a list of texts", value)
        return (sorted(value) if key == "architecture_filter" else list(value)), ""
    if value is None:
        return None, ""
    if not isinstance(value, str):
        return None, _want(key, "text", value)
    return value or None, ""


def _read_registry_config(entry: Entry, value: Any) -> str:
    assert entry.target is not None
    inside = [k for k in REGISTRY_CONFIG if k in entry.target.fields]
    if not isinstance(value, dict):
        return _want("external_registry_config", "a mapping", value)
    problems = []
    for key, item in value.items():
        if key == "proxy":
            if item is None:
                item = {}
            if not isinstance(item, dict):
                problems.append(_want("external_registry_config.proxy", "a mapping", item))
                continue
            for name, proxy in item.items():
                if name not in PROXIES:
                    problems.append(f"unknown field external_registry_config.proxy.{name}")
                    continue
                read, problem = _typed(name, proxy)
                if problem:
                    problems.append(f"external_registry_config.proxy.{problem}")
                else:
                    entry.values[name] = read
        elif key in inside:
            read, problem = _typed(key, item)
            if problem:
                problems.append(f"external_registry_config.{problem}")
            else:
                entry.values[key] = read
        else:
            problems.append(f"unknown field external_registry_config.{key}")
    return "; ".join(problems)


def _read_secret(entry: Entry, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return f"{PASSWORD}: {NOT_INLINE}"
    if not isinstance(value, dict) or len(value) != 1:
        return f"{PASSWORD} must be {{env: NAME}} or {{file: PATH}}"
    ((source, name),) = value.items()
    if source not in ("env", "file") or not isinstance(name, str) or not name:
        return f"{PASSWORD} must be {{env: NAME}} or {{file: PATH}}"
    entry.password = Secret(source, name)
    return ""


def _want(key: str, what: str, value: Any) -> str:
    return f"{key} must be {what}, got {_shown(value)}"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, (dict, list)):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value) if isinstance(value, str) else str(value)
