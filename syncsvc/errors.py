"""One exception tree for the whole service.

Every stage wraps third-party errors at its boundary (``raise ParseError(...) from e``)
so callers only ever handle ``SyncError``. ``UserError`` kinds carry a message meant
for an admin; the CLI shows it without a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence


class SyncError(Exception):
    """Base of every error syncsvc raises on purpose."""


class UserError(SyncError):
    """A problem the admin can fix; shown as a message, never as a traceback."""


class ConfigError(UserError):
    """The configuration is invalid. Collects every problem found, not just the first."""

    def __init__(self, path: str, problems: Sequence[str]):
        self.path = path
        self.problems = list(problems)
        super().__init__(self._format())

    def _format(self) -> str:
        lines = [f"{self.path}: {len(self.problems)} Problem(e) in der Konfiguration:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class SourceError(SyncError):
    """A failure that belongs to one source; other sources carry on."""

    def __init__(self, source_id: str, message: str):
        self.source_id = source_id
        self.message = message
        super().__init__(f"[{source_id}] {message}")


class FetchError(SourceError):
    """The source could not be retrieved (network, HTTP status, limits)."""

    def __init__(
        self,
        source_id: str,
        message: str,
        *,
        http_status: int | None = None,
        retry_after: float | None = None,
        gone: bool = False,
    ):
        super().__init__(source_id, message)
        self.http_status = http_status
        self.retry_after = retry_after
        self.gone = gone


class ParseError(SourceError):
    """The body was retrieved but is not a usable calendar or feed."""


class StoreError(SyncError):
    """The database refused an operation."""


class LockedError(UserError):
    """Another syncsvc process holds the database."""


class PublishError(SyncError):
    """An output file could not be written."""
