"""No secret in any log line: the one place that scrubs them, a filter on every handler.

The dashboard never logs a token on purpose (the Quay client puts no header into its errors,
a pasted token is checked before it is sent). This is the net under that: whatever text a
log record carries -- its message, its arguments, an exception's text and traceback -- is
scrubbed before any handler writes it, of

* ``Bearer …`` and ``Basic …`` values (an ``Authorization`` header in an error's text);
* values named like secrets: ``access_token=…``, ``"client_secret": "…"``, ``password: …``;
* Quay's token shapes: 40 letters and digits (OAuth access tokens and authorization codes),
  64 capitals and digits (robot tokens).

Each becomes ``[hidden]``. A 40-character hexadecimal digest in a message is hidden too (it
cannot be told from a token).
"""

from __future__ import annotations

import logging
import re

HIDDEN = "[hidden]"
_SCHEMES = re.compile(r"(?i)\b(bearer|basic)(\s+|%20|\+)[^\s'\"\\,;)}\]]+")
_NAMED = re.compile(
    r"(?i)\b(authorization|access_token|refresh_token|id_token|client_secret|password|"
    r"passwd|token|secret)(\\?['\"]?\s*[:=]\s*\\?['\"]?)(?!\[hidden\]|(?:bearer|basic)\b)([^\s'\"\\,&;)}\]]+)"
)
_SHAPES = re.compile(r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]{40}|[A-Z0-9]{64})(?![A-Za-z0-9])")


def scrub(text: str) -> str:
    """``text`` with every secret it may carry replaced by ``[hidden]``."""
    text = _SCHEMES.sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}", text)
    text = _NAMED.sub(lambda m: f"{m.group(1)}{m.group(2)}{HIDDEN}", text)
    return _SHAPES.sub(HIDDEN, text)


_FORMATTER = logging.Formatter()


class ScrubSecrets(logging.Filter):
    """Scrubs a record in place (so every handler after this one sees it scrubbed too): its
    message with its arguments, and its exception and stack as text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: keep both, as text
            message = f"{record.msg!s} {record.args!r}"
        record.msg, record.args = scrub(message), None
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = _FORMATTER.formatException(record.exc_info)
            record.exc_info = None  # the text alone is written (handlers use exc_text)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True
