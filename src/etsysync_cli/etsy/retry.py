"""When to try an Etsy call again, and how long to wait first (a tenacity policy).

Only what can succeed later is retried (design §6): connection failures and timeouts
(`EtsyConnectionError`), the per-second 429 (`EtsyRateLimitError`) and 5xx (`EtsyServerError`).
Never a 4xx, never an auth error, never `QuotaExhaustedError` (the run must stop, not spin).

The wait is Etsy's `retry-after` when a 429 gives one, else exponential backoff with full jitter
(tenacity's `wait_random_exponential`), capped at `max_wait`; attempts are bounded. A per-second
429 is Etsy saying "wait your turn", not a failure: the limit counts per app, so another program
on the same key can spend whole seconds of it. Such 429s have their own, larger bound
(`max_rate_limited`) and do not use up the `max_attempts` that 5xx and connection failures get,
nor lengthen their backoff; otherwise a busy key during a 5xx storm fails requests that waiting
would carry through.

**Non-idempotent calls** (`idempotent=False`: createDraftListing, uploadListingImage). Etsy has
answered 500 *after* creating the listing, and has no idempotency key (etsy-api.md §8 gotcha 7), so
retrying a create on a 5xx or on a timeout after the request was sent can create a duplicate.
For these calls only failures that prove nothing reached Etsy are retried: a 429 (refused before
any work) and a connection that could not be opened (`httpx.ConnectError`, `ConnectTimeout`,
`PoolTimeout`). A 5xx, a read timeout or a dropped connection is raised to the caller, which must
look for the listing (or image) before trying again.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception

from etsysync_cli.errors import (
    EtsyConnectionError,
    EtsyRateLimitError,
    EtsyServerError,
    QuotaExhaustedError,
)
from etsysync_cli.etsy.responses import QUOTA_RETRY_AFTER_THRESHOLD

T = TypeVar("T")

# Called before each wait: (the attempt that failed, seconds about to be slept, its error).
OnRetry = Callable[[int, float, BaseException], None]

# Failures that happen before a request is written: safe to retry even for a create.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class RetryPolicy:
    def __init__(
        self,
        *,
        max_attempts: int = 6,
        max_rate_limited: int | None = None,
        initial_wait: float = 0.5,
        max_wait: float = 30.0,
        max_retry_after: float = QUOTA_RETRY_AFTER_THRESHOLD,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        # Per-second 429s one call may meet (default: 4 times max_attempts); see the module doc.
        self.max_rate_limited = max_rate_limited or 4 * max_attempts
        self.initial_wait = initial_wait
        self.max_wait = max_wait
        self.max_retry_after = max_retry_after
        self._sleep = sleep

    @classmethod
    def no_wait(
        cls, *, max_attempts: int = 6, sleep: Callable[[float], None] | None = None
    ) -> RetryPolicy:
        """The same decisions without real sleeping (tests). `sleep` can record the waits."""
        return cls(max_attempts=max_attempts, sleep=sleep if sleep is not None else _no_sleep)

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt, no retries."""
        return cls(max_attempts=1, max_rate_limited=1, sleep=_no_sleep)

    def should_retry(self, exc: BaseException, *, idempotent: bool = True) -> bool:
        if isinstance(exc, QuotaExhaustedError):
            return False
        if isinstance(exc, EtsyRateLimitError):
            return True
        if isinstance(exc, EtsyConnectionError):
            return idempotent or isinstance(exc.__cause__, NOT_SENT)
        if isinstance(exc, EtsyServerError):
            return idempotent
        return False

    def wait_seconds(self, exc: BaseException | None, failures: int) -> float:
        """`retry-after` for a 429 that has one (capped), else jittered exponential backoff
        after the `failures`-th failure of this kind."""
        if isinstance(exc, EtsyRateLimitError) and exc.retry_after is not None:
            return min(max(0.0, exc.retry_after), self.max_retry_after)
        # tenacity's wait_random_exponential, counted per kind of failure.
        return random.uniform(0, min(self.max_wait, self.initial_wait * 2 ** (failures - 1)))

    def call(
        self, fn: Callable[[], T], *, idempotent: bool = True, on_retry: OnRetry | None = None
    ) -> T:
        """Run `fn`, retrying per this policy; the last error is re-raised as itself."""
        tally = _Tally()

        def stop(state: RetryCallState) -> bool:
            limited, other = tally.count(state)
            if _is_rate_limited(tally.last):
                return limited >= self.max_rate_limited
            return other >= self.max_attempts

        def wait(state: RetryCallState) -> float:
            limited, other = tally.count(state)
            rate_limited = _is_rate_limited(tally.last)
            return self.wait_seconds(tally.last, limited if rate_limited else other)

        def before_sleep(state: RetryCallState) -> None:
            if on_retry is None or state.outcome is None or state.next_action is None:
                return
            exc = state.outcome.exception()
            if exc is not None:
                on_retry(state.attempt_number, float(state.next_action.sleep), exc)

        retrying = Retrying(
            stop=stop,
            wait=wait,
            retry=retry_if_exception(lambda exc: self.should_retry(exc, idempotent=idempotent)),
            reraise=True,
            sleep=self._sleep,
            before_sleep=before_sleep,
        )
        return retrying(fn)


class _Tally:
    """Failures of one call so far, by kind (tenacity asks for wait and stop in either order)."""

    def __init__(self) -> None:
        self.attempt = 0
        self.limited = 0
        self.other = 0
        self.last: BaseException | None = None

    def count(self, state: RetryCallState) -> tuple[int, int]:
        if state.attempt_number != self.attempt:
            self.attempt = state.attempt_number
            self.last = state.outcome.exception() if state.outcome is not None else None
            if _is_rate_limited(self.last):
                self.limited += 1
            else:
                self.other += 1
        return self.limited, self.other


def _is_rate_limited(exc: BaseException | None) -> bool:
    return isinstance(exc, EtsyRateLimitError)


def _no_sleep(seconds: float) -> None:
    return None
