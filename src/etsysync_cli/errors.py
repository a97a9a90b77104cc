"""One exception tree for everything etsysync expects to go wrong, and the exit codes.

Every expected failure is an `EtsysyncError` carrying a plain message, an optional hint (the next
command to run) and an exit code. The CLI catches this base class in one place
(`cli/main.py`) and turns it into a line on stderr and the exit code. Anything else is a bug
and stays loud (a traceback).

Messages and hints must never contain a token or a secret: they are printed and logged.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes, documented in README. Stable: scripts and cron wrappers depend on them."""

    OK = 0
    FAILURE = 1  # something went wrong that retrying the same command will not fix by itself
    USAGE = 2  # bad flags or arguments (click's own code for usage errors)
    PARTIAL = 3  # the job ran, some products failed
    AUTH_NEEDED = 4  # no account connected, or its tokens were refused: run `etsysync auth login`
    REFUSED = 5  # plan refused: unknown, expired, already run, or another account's job
    LOCKED = 6  # another run holds the account
    QUOTA = 75  # EX_TEMPFAIL: Etsy's daily quota is spent; try again later
    CONFIG = 78  # EX_CONFIG: configuration file or value is invalid
    INTERRUPTED = 130  # stopped by Ctrl-C (SIGINT): 128 + 2, as shells report it
    TERMINATED = 143  # stopped by SIGTERM: 128 + 15


class EtsysyncError(Exception):
    """Base of every expected error: a message, a hint and an exit code."""

    exit_code: ExitCode = ExitCode.FAILURE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(EtsysyncError):
    exit_code = ExitCode.USAGE


class ConfigError(EtsysyncError):
    exit_code = ExitCode.CONFIG


class StoreError(EtsysyncError):
    """The local SQLite state cannot be opened, migrated or written."""


class SchemaTooNewError(StoreError):
    """The database was written by a newer etsysync than this one."""


class NotFoundError(EtsysyncError):
    """A local thing the user named (a job, an account, a product link) does not exist."""


# --- authentication ---------------------------------------------------------------------------


class AuthError(EtsysyncError):
    """Authentication is needed or failed; the fix is (usually) `etsysync auth login`."""

    exit_code = ExitCode.AUTH_NEEDED


class NotConnectedError(AuthError):
    """No Etsy account is connected (or the named one is unknown)."""


class TokenRevokedError(AuthError):
    """Etsy refused the refresh token: it expired, was revoked or was already used."""


class ConsentError(AuthError):
    """The OAuth dance did not complete: denied, state mismatch, timeout, bad redirect."""


class ScopeMissingError(AuthError):
    """The connected account was not allowed a scope this needs (e.g. `transactions_r` to read
    sales): only a new login can add it, since Etsy never widens scopes on refresh."""


class CredentialStoreError(AuthError):
    """No keyring backend works and the insecure file store was not opted into."""


# --- Etsy API ---------------------------------------------------------------------------------


class EtsyError(EtsysyncError):
    """Etsy answered with an error. `etsy_message` is Etsy's own text."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        etsy_message: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.etsy_message = etsy_message


class EtsyConnectionError(EtsyError):
    """Etsy could not be reached (connection refused, DNS, TLS, timeout)."""


class EtsyAuthError(EtsyError, AuthError):
    """401/403 from Etsy: bad API key, expired or revoked token, not the owner, missing scope."""

    exit_code = ExitCode.AUTH_NEEDED


class EtsyValidationError(EtsyError):
    """400: Etsy rejected the input. Not retried; fails that product with Etsy's message."""


class EtsyNotFoundError(EtsyError):
    """404: the shop, listing or image does not exist (any more)."""


class EtsyConflictError(EtsyError):
    """409: the request conflicts with the resource's current state."""


class EtsyRateLimitError(EtsyError):
    """429 for the per-second limit. Retried after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class EtsyServerError(EtsyError):
    """5xx: Etsy had a problem. Retried with backoff."""


class QuotaExhaustedError(EtsyError):
    """Etsy's daily quota is spent. Stop starting requests; the job stays resumable."""

    exit_code = ExitCode.QUOTA

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


# --- sync jobs --------------------------------------------------------------------------------


class PlanRefusedError(EtsysyncError):
    """`confirm` refuses a job: unknown, expired, already run, or for another account."""

    exit_code = ExitCode.REFUSED


class LockedError(EtsysyncError):
    """Another run holds the account's lock."""

    exit_code = ExitCode.LOCKED


class ListingTakenError(EtsysyncError):
    """A listing is already the listing of another product of the shop (one listing, one
    product: the database refuses a second link). Fails the product that asked for it."""

    def __init__(self, message: str, *, listing_id: int, owner: str) -> None:
        super().__init__(message)
        self.listing_id = listing_id
        self.owner = owner


class PartialFailureError(EtsysyncError):
    """The job ran and some products failed (their reasons are in `status TXN`)."""

    exit_code = ExitCode.PARTIAL


class SourceError(EtsysyncError):
    """The product source (catalog file, Medusa backend) could not be read."""


class StoppedBySignalError(EtsysyncError):
    """A push stopped on SIGINT or SIGTERM: what was in flight is recorded, the rest resumes."""

    def __init__(self, message: str, *, hint: str | None = None, exit_code: ExitCode) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = exit_code


class JobPausedError(EtsysyncError):
    """A run stopped part-way (quota spent, tokens refused) and can be resumed.

    Carries the exit code of its cause, so cron sees 75 for a spent quota and 4 for auth.
    """

    def __init__(
        self, message: str, *, hint: str | None = None, exit_code: ExitCode = ExitCode.FAILURE
    ) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = exit_code
