"""gunicorn's logger with every request-supplied value of the access log escaped, and every
line of its logs scrubbed of secrets (``log_scrub``)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger, SafeAtoms

from .log_escape import escape
from .log_scrub import ScrubSecrets


class EscapedAtoms(SafeAtoms):
    def __init__(self, atoms: dict) -> None:
        super().__init__(
            {
                key: escape(value, backslash=True) if isinstance(value, str) else value
                for key, value in atoms.items()
            }
        )


class EscapingLogger(Logger):
    """The access log writes ``\\x1b``, ``\\r``, ``\\n`` … of a request line or header escaped."""

    atoms_wrapper_class = EscapedAtoms

    def setup(self, cfg: Any) -> None:
        """gunicorn's own handlers (its error log, the access log) scrub secrets too."""
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, ScrubSecrets) for f in handler.filters):
                    handler.addFilter(ScrubSecrets())
