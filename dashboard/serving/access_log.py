"""gunicorn's logger with every request-supplied value of the access log escaped."""

from __future__ import annotations

from gunicorn.glogging import Logger, SafeAtoms

from .log_escape import escape


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
