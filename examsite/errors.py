"""Errors a person can act on, kept apart from bugs.

An :class:`ExamsiteError` carries a stable ``code`` (for scripts and tests) and a sentence for a
person that says what is wrong and what to do. Anything else that escapes is a bug and gets a report.
"""

from __future__ import annotations


class ExamsiteError(Exception):
    """An error caused by input or the environment, with a message for the user."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class NotFound(ExamsiteError):
    """A named object (article, incident, camera, ...) does not exist."""

    code = "not_found"


class InvalidInput(ExamsiteError):
    """Input that breaks a rule; nothing was changed."""

    code = "invalid_input"


class StoreUnavailable(ExamsiteError):
    """The database cannot be opened or written (locked, read-only, disk full)."""

    code = "store_unavailable"
