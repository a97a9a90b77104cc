"""The retry policy: what is retried, how long it waits, and how often."""

from __future__ import annotations

import httpx
import pytest

from etsysync_cli.errors import (
    EtsyAuthError,
    EtsyConflictError,
    EtsyConnectionError,
    EtsyError,
    EtsyNotFoundError,
    EtsyRateLimitError,
    EtsyServerError,
    EtsyValidationError,
    QuotaExhaustedError,
)
from etsysync_cli.etsy.retry import RetryPolicy


def conn(cause: Exception) -> EtsyConnectionError:
    try:
        raise EtsyConnectionError("Could not reach Etsy") from cause
    except EtsyConnectionError as exc:
        return exc


RETRIED_ALWAYS = [
    EtsyRateLimitError("429", retry_after=1),
    conn(httpx.ConnectError("refused")),
    conn(httpx.ConnectTimeout("slow")),
    conn(httpx.PoolTimeout("busy")),
]
RETRIED_IF_IDEMPOTENT = [
    EtsyServerError("500", status=500),
    EtsyServerError("503", status=503),
    conn(httpx.ReadTimeout("slow")),
    conn(httpx.RemoteProtocolError("dropped")),
]
NEVER_RETRIED = [
    EtsyValidationError("400", status=400),
    EtsyAuthError("401", status=401),
    EtsyNotFoundError("404", status=404),
    EtsyConflictError("409", status=409),
    EtsyError("422", status=422),
    QuotaExhaustedError("quota", retry_after=86400),
    ValueError("a bug"),
]


@pytest.mark.parametrize("exc", RETRIED_ALWAYS)
def test_retried_even_for_creates(exc: Exception) -> None:
    policy = RetryPolicy.no_wait()
    assert policy.should_retry(exc, idempotent=True)
    assert policy.should_retry(exc, idempotent=False)


@pytest.mark.parametrize("exc", RETRIED_IF_IDEMPOTENT)
def test_retried_only_when_idempotent(exc: Exception) -> None:
    policy = RetryPolicy.no_wait()
    assert policy.should_retry(exc, idempotent=True)
    assert not policy.should_retry(exc, idempotent=False)


@pytest.mark.parametrize("exc", NEVER_RETRIED)
def test_never_retried(exc: Exception) -> None:
    policy = RetryPolicy.no_wait()
    assert not policy.should_retry(exc, idempotent=True)
    assert not policy.should_retry(exc, idempotent=False)


class Flaky:
    def __init__(self, *failures: Exception, result: str = "ok") -> None:
        self.failures = list(failures)
        self.calls = 0
        self.result = result

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return self.result


def test_retries_until_success_with_backoff_within_bounds() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(initial_wait=0.5, max_wait=4.0, sleep=sleeps.append)
    fn = Flaky(*(EtsyServerError("500", status=500) for _ in range(5)))
    assert policy.call(fn) == "ok"
    assert fn.calls == 6
    assert len(sleeps) == 5
    for attempt, seconds in enumerate(sleeps, start=1):
        assert 0 <= seconds <= min(4.0, 0.5 * 2**attempt)


def test_honours_retry_after_exactly() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(sleep=sleeps.append)
    fn = Flaky(EtsyRateLimitError("429", retry_after=2.0), EtsyRateLimitError("429", retry_after=7))
    assert policy.call(fn) == "ok"
    assert sleeps == [2.0, 7.0]


def test_retry_after_is_capped() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(max_retry_after=10, sleep=sleeps.append)
    policy.call(Flaky(EtsyRateLimitError("429", retry_after=45)))
    assert sleeps == [10]


def test_429_without_retry_after_backs_off() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(initial_wait=1, max_wait=8, sleep=sleeps.append)
    policy.call(Flaky(EtsyRateLimitError("429")))
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 2


def test_attempts_are_bounded_and_the_last_error_is_raised_as_itself() -> None:
    policy = RetryPolicy.no_wait(max_attempts=3)
    last = EtsyServerError("third", status=502)
    fn = Flaky(EtsyServerError("first", status=500), EtsyServerError("second", status=503), last)
    with pytest.raises(EtsyServerError) as caught:
        policy.call(fn)
    assert caught.value is last
    assert fn.calls == 3


def test_not_retried_errors_raise_at_once() -> None:
    policy = RetryPolicy.no_wait()
    fn = Flaky(EtsyValidationError("bad", status=400))
    with pytest.raises(EtsyValidationError):
        policy.call(fn)
    assert fn.calls == 1


def test_create_is_not_retried_on_500() -> None:
    policy = RetryPolicy.no_wait()
    fn = Flaky(EtsyServerError("500", status=500))
    with pytest.raises(EtsyServerError):
        policy.call(fn, idempotent=False)
    assert fn.calls == 1


def test_on_retry_reports_each_wait() -> None:
    seen: list[tuple[int, float, str]] = []
    policy = RetryPolicy(sleep=lambda s: None)
    fn = Flaky(
        EtsyRateLimitError("first", retry_after=1), EtsyRateLimitError("second", retry_after=3)
    )
    policy.call(fn, on_retry=lambda attempt, wait, exc: seen.append((attempt, wait, str(exc))))
    assert seen == [(1, 1.0, "first"), (2, 3.0, "second")]


def test_never_policy_tries_once() -> None:
    fn = Flaky(EtsyServerError("500", status=500))
    with pytest.raises(EtsyServerError):
        RetryPolicy.never().call(fn)
    assert fn.calls == 1


def test_max_attempts_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


def test_per_second_429s_do_not_use_up_the_attempts() -> None:
    # A busy app key (another program on it) meets 429s between 5xx: waiting carries it through.
    sleeps: list[float] = []
    policy = RetryPolicy(max_attempts=3, initial_wait=0.5, max_wait=4.0, sleep=sleeps.append)
    limited = [EtsyRateLimitError("429", retry_after=1) for _ in range(5)]
    fn = Flaky(
        *limited[:3],
        EtsyServerError("500", status=500),
        *limited[3:],
        EtsyServerError("503", status=503),
    )
    assert policy.call(fn) == "ok"
    assert fn.calls == 8
    # the backoff after each 5xx counts only the 5xx: 1st ≤ 0.5 s, 2nd ≤ 1 s
    assert sleeps[3] <= 0.5 and sleeps[6] <= 1.0


def test_per_second_429s_have_their_own_bound() -> None:
    policy = RetryPolicy.no_wait(max_attempts=2)
    fn = Flaky(*(EtsyRateLimitError("429", retry_after=1) for _ in range(100)))
    with pytest.raises(EtsyRateLimitError):
        policy.call(fn)
    assert fn.calls == policy.max_rate_limited == 8
    fn = Flaky(*(EtsyRateLimitError("429", retry_after=1) for _ in range(3)))
    with pytest.raises(EtsyRateLimitError):
        RetryPolicy.never().call(fn)
    assert fn.calls == 1
