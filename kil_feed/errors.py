"""One root exception for every domain error, each carrying a hint on how to fix it.

The CLI turns a `KilError` into one line on stderr and a non-zero exit, the web app into an
error page with the matching status, a pipeline into `DropItem`.
"""

from __future__ import annotations


class KilError(Exception):
    """Root of every error kil-feed expects and can explain."""

    exit_code = 1
    http_status = 400

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class ConfigError(KilError):
    """The configuration is missing something or has a bad value."""

    exit_code = 3


class NotFoundError(KilError):
    """A named thing (source, item, subscriber, issue) does not exist."""

    exit_code = 4
    http_status = 404


class ConflictError(KilError):
    """The action conflicts with the current state (already exists, wrong status)."""

    exit_code = 5
    http_status = 409


class BusyError(ConflictError):
    """Another live process is doing this very thing (sending the same issue): nothing is
    wrong, it is just not this command's turn; `details` says who, for `--json`. It keeps
    the conflict's exit code (5), which such a refusal always had: scripts check it."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.details: dict[str, object] = {}


class ValidationError(KilError):
    """Input from a user or a file is invalid."""

    exit_code = 2
    http_status = 422


class FetchError(KilError):
    """A source could not be fetched: `kil crawl` and `kil sources check` exit with this."""

    exit_code = 6
    http_status = 502


class DeliveryError(KilError):
    """Mail could not be handed to the transport."""

    exit_code = 7
    http_status = 502


class DatabaseError(KilError):
    """The database cannot be used: not set up, unreachable, full."""

    exit_code = 8
    http_status = 503


class QueueError(KilError):
    """The crawl queue (Redis) cannot be reached or was lost."""

    exit_code = 9
    http_status = 503
