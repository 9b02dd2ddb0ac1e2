"""Tag glob rules: per-pattern checks and a preview of what a rule keeps and deletes.

Quay's mirror worker lists the upstream tags and keeps those that match any pattern of the
rule, one pattern at a time, with Python's ``fnmatch`` (case-sensitive, whole tag, only ``*``,
``?`` and ``[...]``). Tags in the repository that the rule no longer matches are deleted by
the next successful sync.

Patterns are bounded before anything is compiled: a pattern longer than the longest tag Quay
allows, or more patterns than a rule can usefully hold, is an error at its row.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

#: Quay's tags are at most 128 characters (``[\w][\w.-]{0,127}``): longer is not a tag glob.
MAX_PATTERN_LENGTH = 128
#: Patterns in one rule (the editor's rows, duplicates and blank rows not counted).
MAX_PATTERNS = 100


@dataclass(frozen=True)
class Subject:
    """What a rule's patterns are matched against, for the words of its checks: the tags of a
    repository (a mirror's tag rule) or the repository names of a source (an organization
    mirror's filters)."""

    noun: str  #: "tag"
    plural: str  #: "tags"
    max_length: int
    #: Why ``max_length``: "as many as the longest tag Quay allows"
    why_max: str
    #: A pattern that covers several, for the "too many" message
    example: str
    #: Where a comma would go wrong
    comma_reason: str
    #: Why "**" is "*"
    double_star: str
    #: Why a ":" can never match, with what to write instead
    colon_reason: str


#: A repository mirror's tag rule.
TAGS = Subject(
    "tag",
    "tags",
    MAX_PATTERN_LENGTH,
    "as many as the longest tag Quay allows",
    "“1.2*”",
    "Quay stores the rule as comma-separated values",
    "tags have no folders",
    "the rule matches the tag alone: write “1.2*”, not “nginx:1.2*”",
)
#: An organization mirror's repository filters (Quay's schema: strings; names never hold a
#: comma or a space).
REPOSITORY_NAMES = Subject(
    "repository name",
    "repository names",
    255,
    "as many as Quay takes for a filter",
    "“api-*”",
    "repository names never contain one",
    "“*” matches “/” too",
    "the filter matches the repository name alone, without a tag",
)

#: Regular-expression syntax people type by habit; fnmatch reads it literally. ``{whole}``:
#: "the whole tag" or "the whole repository name".
_REGEX_HINTS: tuple[tuple[str, str], ...] = (
    ("^", "“^” is regular-expression syntax; a glob always matches {whole}"),
    ("$", "“$” is regular-expression syntax; a glob always matches {whole}"),
    ("+", "“+” is not a wildcard in a glob; it only matches a literal “+”"),
    ("\\d", "“\\d” is regular-expression syntax; use [0-9] for a digit"),
    ("\\w", "“\\w” is regular-expression syntax; globs have no word class"),
    ("(", "“(” is not glob syntax; it only matches a literal “(”"),
    ("|", "“|” is not glob syntax; put each alternative on its own row"),
)

#: ".*" at the start or after a non-digit (``v1.*`` and ``3.*-alpine`` are ordinary globs).
_REGEX_DOT_STAR = re.compile(r"(?:^|[^0-9])\.\*")


@dataclass
class PatternCheck:
    """One row of the editor: the pattern as typed, and what is wrong or odd about it."""

    pattern: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _unclosed_bracket(pattern: str) -> bool:
    """True when a ``[`` opens a set that never closes (fnmatch then matches a literal ``[``)."""
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i] == "[":
            j = i + 1
            if j < n and pattern[j] == "!":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 1
            if j >= n:
                return True
            i = j + 1
        else:
            i += 1
    return False


def too_long(pattern: str, subject: Subject = TAGS) -> str:
    return (
        f"A pattern can have at most {subject.max_length} characters, {subject.why_max}; "
        f"this one has {len(pattern):,}."
    )


def too_many(count: int, subject: Subject = TAGS) -> str:
    """The whole rule's error when it has more than :data:`MAX_PATTERNS` patterns."""
    return (
        f"A rule can have at most {MAX_PATTERNS} patterns; this one has {count:,}. Remove "
        f"{count - MAX_PATTERNS:,}, or let one pattern cover several {subject.plural} "
        f"(e.g. {subject.example})."
    )


def _past_the_cap(number: int) -> str:
    return f"This is pattern {number:,}: a rule can have at most {MAX_PATTERNS} patterns."


def check_pattern(pattern: str, subject: Subject = TAGS) -> PatternCheck:
    """Errors (Quay would refuse or misread the rule) and warnings (valid, but likely a slip),
    in words about ``subject``.

    A pattern longer than ``subject.max_length`` gets that error alone: nothing else is
    looked at.
    """
    check = PatternCheck(pattern)
    if len(pattern) > subject.max_length:
        check.errors.append(too_long(pattern, subject))
        return check
    if not pattern.strip():
        check.errors.append("A pattern cannot be empty.")
        return check
    if "," in pattern:
        check.errors.append(
            f"A pattern cannot contain a comma ({subject.comma_reason}); put each pattern on "
            "its own row."
        )
    if any(c.isspace() for c in pattern):
        check.errors.append(f"A pattern cannot contain spaces: {subject.plural} never do.")
    if ":" in pattern:  # it would match nothing, ever: Quay says nothing, the sync keeps no tag
        check.errors.append(
            f"A pattern cannot contain “:”: {subject.plural} never do ({subject.colon_reason})."
        )
    if "**" in pattern:
        check.warnings.append(f"“**” means the same as “*” here: {subject.double_star}.")
    if re.search(r"\{[^}]*,[^}]*\}", pattern) or ("{" in pattern and "}" in pattern):
        check.warnings.append(
            "Braces {a,b} are not supported: they match literally. Use one row per alternative."
        )
    if _REGEX_DOT_STAR.search(pattern):
        check.warnings.append(
            "“.*” reads like regular-expression syntax: in a glob the dot is a literal dot, "
            "and “*” alone matches anything."
        )
    for needle, hint in _REGEX_HINTS:
        words = hint.format(whole=f"the whole {subject.noun}") + "."
        if needle in pattern and words not in check.warnings:
            check.warnings.append(words)
    if _unclosed_bracket(pattern):
        check.warnings.append("“[” is never closed, so it matches a literal “[”.")
    return check


def check_rows(rows: Sequence[str], subject: Subject = TAGS) -> list[PatternCheck]:
    """Check every row; later copies of a pattern are flagged as duplicates to be removed, and
    patterns past the :data:`MAX_PATTERNS` th are errors.

    Blank rows are spare rows (the editor without JavaScript offers some): they are ignored.
    """
    seen: set[str] = set()
    checks = []
    for row in rows:
        if not row.strip():
            checks.append(PatternCheck(""))
            continue
        check = check_pattern(row.strip(), subject)
        if check.pattern in seen:
            check.warnings.append("Duplicate of a row above: it will be removed when saved.")
        else:
            seen.add(check.pattern)
            if len(seen) > MAX_PATTERNS:
                check.errors.insert(0, _past_the_cap(len(seen)))
        checks.append(check)
    return checks


def clean_patterns(rows: Iterable[str]) -> list[str]:
    """Stripped, without blank rows and duplicates, in the order typed."""
    return list(dict.fromkeys(p for p in (row.strip() for row in rows) if p))


def split_lines(text: str) -> list[str]:
    """Patterns from the one-per-line text box (the no-JavaScript fallback)."""
    return [line.strip() for line in text.splitlines()]


@functools.lru_cache(maxsize=256)
def _matcher(pattern: str) -> Callable[[str], re.Match[str] | None]:
    # fnmatchcase's own compile, behind a small cache: fnmatch keeps 32768 compiled patterns.
    return re.compile(fnmatch.translate(pattern)).match


def matches(pattern: str, tag: str) -> bool:
    """``fnmatch.fnmatchcase(tag, pattern)``, as Quay's worker selects tags."""
    return _matcher(pattern)(tag) is not None


@dataclass(frozen=True)
class Preview:
    """What a rule does to the repository's current tags.

    Quay's worker (``workers/repomirrorworker``: ``tags_to_mirror``, ``delete_obsolete_tags``)
    keeps exactly the tags the source has *and* the rule matches, and deletes every other
    tag -- unless no tag of the source matches at all: then it copies nothing and deletes
    nothing ("No tags matched").
    """

    #: Current tags the rule matches.
    matched: tuple[str, ...]
    #: Current tags no pattern matches: the next successful sync deletes them.
    deleted: tuple[str, ...]
    by_pattern: dict[str, tuple[str, ...]]
    total: int
    #: Matched tags the last successful sync did not find in the source: unless the source
    #: has them again, the next successful sync deletes them too.
    stale: tuple[str, ...] = ()

    @property
    def kept(self) -> tuple[str, ...]:
        """The current tags the next successful sync keeps, as far as is known: matched, and
        not gone from the source."""
        return tuple(t for t in self.matched if t not in self.stale)

    @property
    def unused_patterns(self) -> list[str]:
        """Patterns that match no current tag (fine for new upstream tags, worth a look)."""
        return [p for p, tags in self.by_pattern.items() if not tags]


def preview(
    patterns: Sequence[str], tags: Iterable[str], upstream: Iterable[str] | None = None
) -> Preview:
    """Which current tags the rule keeps (union over patterns) and which the next sync deletes.

    ``upstream``: the tags the last successful sync found in the source, when known.
    """
    names = sorted(set(tags))
    valid = [p for p in clean_patterns(patterns)[:MAX_PATTERNS] if check_pattern(p).ok]
    by_pattern = {p: tuple(t for t in names if matches(p, t)) for p in valid}
    kept = {t for matched in by_pattern.values() for t in matched}
    seen = set(upstream) if upstream is not None else None
    return Preview(
        matched=tuple(t for t in names if t in kept),
        deleted=tuple(t for t in names if t not in kept),
        by_pattern=by_pattern,
        total=len(names),
        stale=tuple(t for t in names if t in kept and t not in seen) if seen is not None else (),
    )
