"""Tag glob rules: the per-pattern checks and the preview of kept and deleted tags."""

from __future__ import annotations

import pytest

from dashboard.mirrors.rules.globs import check_pattern, check_rows, clean_patterns, preview


@pytest.mark.parametrize("pattern", ["latest", "v1.*", "1.2?", "[0-9]*", "[!a]*", "3.*-alpine"])
def test_plain_globs_pass_without_remarks(pattern):
    check = check_pattern(pattern)
    assert check.ok and not check.warnings


@pytest.mark.parametrize(
    ("pattern", "error"),
    [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        ("1.2*,latest", "cannot contain a comma"),
        ("1.2 *", "cannot contain spaces"),
        ("v1\t", "cannot contain spaces"),
    ],
)
def test_patterns_quay_would_refuse_or_misread_are_errors(pattern, error):
    check = check_pattern(pattern)
    assert not check.ok
    assert any(error in e for e in check.errors)


@pytest.mark.parametrize(
    ("pattern", "warning"),
    [
        ("v1/**", "“**” means the same as “*”"),
        ("v{1,2}", "Braces {a,b} are not supported"),
        ("v{1}", "Braces {a,b} are not supported"),
        ("v1.*", None),  # fine: a dot then a star is a glob
        ("^v1", "“^” is regular-expression syntax"),
        ("v1$", "“$” is regular-expression syntax"),
        ("v1+", "“+” is not a wildcard"),
        (r"v\d", "use [0-9] for a digit"),
        ("v.*beta", "“.*” reads like regular-expression syntax"),
        (".*", "“.*” reads like regular-expression syntax"),
        ("v(1|2)", "not glob syntax"),
        ("v[0-9", "“[” is never closed"),
    ],
)
def test_unsupported_syntax_is_a_warning(pattern, warning):
    check = check_pattern(pattern)
    if warning is None:
        assert not check.warnings
    else:
        assert any(warning in w for w in check.warnings), check.warnings


def test_a_closed_bracket_is_not_flagged():
    assert not check_pattern("v[0-9]*").warnings
    assert not check_pattern("[]]").warnings


def test_duplicates_are_flagged_and_removed():
    checks = check_rows(["latest", "v1.*", "latest"])
    assert not checks[0].warnings
    assert any("Duplicate" in w for w in checks[2].warnings)
    assert clean_patterns(["latest", " v1.* ", "latest", ""]) == ["latest", "v1.*"]


def test_blank_rows_are_spare_rows_without_remarks():
    (check,) = check_rows(["  "])
    assert check.ok and not check.warnings


TAGS = ["1.23", "1.24", "1.25.3", "1.27", "latest", "Latest", "mainline"]


def test_preview_is_the_union_of_the_patterns():
    result = preview(["1.2[45]*", "latest"], TAGS)
    assert result.matched == ("1.24", "1.25.3", "latest")
    assert result.by_pattern == {"1.2[45]*": ("1.24", "1.25.3"), "latest": ("latest",)}


def test_tags_no_pattern_matches_would_be_deleted():
    result = preview(["1.27*", "latest"], TAGS)
    assert result.deleted == ("1.23", "1.24", "1.25.3", "Latest", "mainline")
    assert result.total == len(TAGS)


def test_matching_is_case_sensitive_and_whole_tag():
    result = preview(["latest", "1.2"], TAGS)
    assert "Latest" in result.deleted
    assert "1.23" in result.deleted  # "1.2" does not match "1.23"


def test_invalid_patterns_match_nothing_and_unused_ones_are_listed():
    result = preview(["1.2*,latest", "nightly"], TAGS)
    assert result.matched == ()
    assert result.unused_patterns == ["nightly"]


def test_matched_tags_the_source_no_longer_had_are_stale():
    result = preview(["1.2*", "latest"], TAGS, upstream=["1.24", "1.25.3", "1.27", "latest"])
    assert result.stale == ("1.23",)
    assert preview(["1.2*"], TAGS).stale == ()  # unknown source: nothing claimed


def test_a_matched_tag_gone_from_the_source_is_not_counted_as_kept():
    """Quay's worker keeps the tags the source has and the rule matches, and deletes the rest:
    a matched tag the last sync did not find in the source is not kept (unless it is back)."""
    result = preview(["1.2*", "latest"], TAGS, upstream=["1.24", "1.25.3", "1.27", "latest"])
    assert "1.23" in result.matched
    assert result.kept == ("1.24", "1.25.3", "1.27", "latest")
    assert preview(["1.2*"], TAGS).kept == preview(["1.2*"], TAGS).matched  # source unknown
