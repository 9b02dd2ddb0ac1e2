"""Log lines that cannot be forged: control characters from a request are written escaped.

A request line, a header or a path can carry ``\\r``, ``\\n`` or terminal escapes (``\\x1b[31m``);
written as they are, they start a fake log line or recolour a terminal. Every character that
is not printable is written as ``\\xNN`` / ``\\uNNNN``; in the access log a backslash is
written ``\\\\`` too (so that an escaped quote cannot be faked in its quoted fields).
"""

from __future__ import annotations

import logging
import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    if char == "\\":
        return "\\\\"
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_UNSAFE_OR_BACKSLASH = re.compile(_UNSAFE.pattern.replace("[", "[\\\\", 1))


def escape(text: str, *, backslash: bool = False) -> str:
    """``text`` with every control (and bidi/line-separator) character escaped (and every
    backslash doubled, with ``backslash``)."""
    return (_UNSAFE_OR_BACKSLASH if backslash else _UNSAFE).sub(_escape_char, text)


class EscapingFormatter(logging.Formatter):
    """Escapes the message (its arguments may come from a request); a traceback keeps its
    lines (it is the server's own text)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape(record.message)
        return super().formatMessage(record)
