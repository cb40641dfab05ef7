"""Briefer's one error tree.

    BrieferError                 anything Briefer raises on purpose; the CLI prints one line
    ├── ConfigError              your settings, flags or paths are wrong (exit 2)
    ├── CorpusError              a document or folder cannot be read or ingested
    ├── StoreError               the vector store cannot be opened, read or written
    ├── EmbeddingError           the packaged embedding model is missing or corrupt
    ├── ModelError               the language model cannot be found, loaded or reached
    ├── OutputError              a memo or other result cannot be written where asked
    └── BriefValidationError     the model's output never validated (carries the attempts)

    BrieferWarning (UserWarning) something works but is outside what was tested (the CLI prints
                                 it as one "warning: …" line on stderr)

This module imports nothing from Briefer.
"""

from __future__ import annotations


class BrieferError(Exception):
    """Base class. ``str(err)`` is a complete one-line message for a user."""

    exit_code = 1


class ConfigError(BrieferError):
    exit_code = 2


class CorpusError(BrieferError):
    pass


class StoreError(BrieferError):
    pass


class EmbeddingError(BrieferError):
    pass


class ModelError(BrieferError):
    pass


class OutputError(BrieferError):
    pass


class HistoryError(BrieferError):
    """Kept briefs: an unknown topic or date, nothing to compare."""


class BriefValidationError(BrieferError):
    """The model misbehaved on every attempt; ``attempts`` holds (raw output, errors) pairs."""

    def __init__(self, message: str, attempts: list[tuple[str, str]]) -> None:
        super().__init__(message)
        self.attempts = attempts

    @property
    def last_output(self) -> str:
        return self.attempts[-1][0] if self.attempts else ""


class BrieferWarning(UserWarning):
    """Works, but outside what Briefer was tested with; ``str()`` is one line for a user."""
