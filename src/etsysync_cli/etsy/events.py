"""What the Etsy client reports while it works: counters and events.

One `RequestStats` is shared by everything that talks to Etsy during a run (the rate limiter, the
retry policy, the client). It counts requests per Etsy operation, responses per status, 429s,
retries and rate-limit waits, and hands every `EtsyEvent` to `on_event` so that a progress view can
show "waiting for rate limit" without this package knowing about Rich. Nothing here ever holds a
token, a header value or a request body.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

EventKind = Literal[
    "request",  # a request is about to go on the wire
    "response",  # a response (any status) came back
    "connection_error",  # the request failed below HTTP (refused, DNS, TLS, timeout)
    "wait",  # a worker waits for the rate limiter (per-second spacing or a pause after a 429)
    "rate_limited",  # Etsy answered 429 for the per-second limit
    "retry",  # a failed call will be tried again after `seconds`
    "quota_exhausted",  # the daily quota (or the request cap) is spent: no more requests
    "unreadable",  # a record in a page could not be read (no id) and was left out
]


@dataclass(frozen=True, slots=True)
class EtsyEvent:
    kind: EventKind
    operation: str = ""
    seconds: float | None = None  # wait or retry delay, when there is one
    status: int | None = None  # HTTP status of a response
    attempt: int | None = None  # the attempt that failed, for "retry"
    detail: str = ""  # plain words: why we wait, what failed (never a secret)


EventCallback = Callable[[EtsyEvent], None]


class RequestStats:
    """Thread-safe counters of one run's Etsy traffic, plus the event hook.

    `on_event` is called outside the lock, on the worker thread that caused the event; it must be
    quick (hand the event to a queue or update a progress bar).
    """

    def __init__(self, on_event: EventCallback | None = None) -> None:
        self.on_event = on_event
        self._lock = threading.Lock()
        self.requests = 0
        self.requests_by_operation: Counter[str] = Counter()
        self.responses_by_status: Counter[int] = Counter()
        self.connection_errors = 0
        self.rate_limited = 0
        self.rate_limited_by_operation: Counter[str] = Counter()
        self.retries = 0
        self.retries_by_operation: Counter[str] = Counter()
        self.waits = 0
        self.wait_seconds = 0.0
        self.unreadable = 0

    def _emit(self, event: EtsyEvent) -> None:
        callback = self.on_event
        if callback is not None:
            callback(event)

    def record_request(self, operation: str) -> None:
        with self._lock:
            self.requests += 1
            self.requests_by_operation[operation] += 1
        self._emit(EtsyEvent("request", operation))

    def record_response(self, operation: str, status: int) -> None:
        with self._lock:
            self.responses_by_status[status] += 1
        self._emit(EtsyEvent("response", operation, status=status))

    def record_connection_error(self, operation: str, detail: str) -> None:
        with self._lock:
            self.connection_errors += 1
        self._emit(EtsyEvent("connection_error", operation, detail=detail))

    def record_rate_limited(self, operation: str, retry_after: float | None) -> None:
        with self._lock:
            self.rate_limited += 1
            self.rate_limited_by_operation[operation] += 1
        self._emit(EtsyEvent("rate_limited", operation, seconds=retry_after, status=429))

    def record_wait(self, operation: str, seconds: float, reason: str) -> None:
        with self._lock:
            self.waits += 1
            self.wait_seconds += seconds
        self._emit(EtsyEvent("wait", operation, seconds=seconds, detail=reason))

    def record_retry(self, operation: str, attempt: int, seconds: float, reason: str) -> None:
        with self._lock:
            self.retries += 1
            self.retries_by_operation[operation] += 1
        self._emit(EtsyEvent("retry", operation, seconds=seconds, attempt=attempt, detail=reason))

    def record_quota_exhausted(
        self, operation: str, retry_after: float | None, reason: str
    ) -> None:
        self._emit(EtsyEvent("quota_exhausted", operation, seconds=retry_after, detail=reason))

    def record_unreadable(self, operation: str, problems: str) -> None:
        with self._lock:
            self.unreadable += 1
        self._emit(EtsyEvent("unreadable", operation, detail=problems))

    def snapshot(self) -> dict[str, object]:
        """A plain, JSON-ready copy of the counters (for `--json` and progress footers)."""
        with self._lock:
            return {
                "requests": self.requests,
                "requests_by_operation": dict(self.requests_by_operation),
                "responses_by_status": {str(k): v for k, v in self.responses_by_status.items()},
                "connection_errors": self.connection_errors,
                "rate_limited": self.rate_limited,
                "rate_limited_by_operation": dict(self.rate_limited_by_operation),
                "retries": self.retries,
                "retries_by_operation": dict(self.retries_by_operation),
                "waits": self.waits,
                "wait_seconds": round(self.wait_seconds, 3),
                "unreadable": self.unreadable,
            }
