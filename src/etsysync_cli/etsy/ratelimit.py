"""Staying under Etsy's rate limits, for every worker of every process of one app at once.

Etsy allows a number of requests per second (default 10) and per rolling day (default 10,000)
to an app (its keystring), whatever the shop, and reports both in `x-limit-per-second` /
`x-remaining-this-second` and `x-limit-per-day` / `x-remaining-today` (etsy-api.md §3). A
`RateLimiter` paces the workers of one client; what it shares with the other clients of the same
app — the next free slot, a pause, the recent starts, the day — lives in a ledger
(domain/pacing.py): `MemoryLedger` for one process, or the app home's pacing file
(store/pacing.py) that every session opens, so that two `confirm`s on two shops with one
keystring pace as one.

- **Spacing.** Requests are given start times at least `1 / (limit * factor)` apart, where
  `factor` is a safety margin (0.975). Spacing rather than bursts keeps any one-second window at
  or under the limit even though requests from several threads overlap in flight. Slots are
  handed out in order; a worker sleeps until its slot.
- **A guard on actual starts.** A worker that wakes late (a busy machine) would start within a
  second of the request `limit` starts before it; so each start is recorded, and none begins
  less than a second (and `GUARD_MARGIN`) after the one `limit` starts earlier. Lateness is
  absorbed there instead of in a wider margin for every request, which is what lets the pace
  run this close to the limit without 429s.
- **Feedback.** Each response's headers update the limit, and `x-remaining-this-second: 0` pushes
  the next slot one interval out. A per-second 429 pauses every worker (of every process) until
  `retry-after` has passed (`pause_until`) and lowers `factor` by 10% (it recovers slowly after a
  run of successes), so one 429 does not become a storm.
- **Daily quota.** When `x-remaining-today` reaches 0, or a 429 is the daily kind (a long
  `retry-after`, see responses.py), `acquire()` raises `QuotaExhaustedError` instead of sending,
  in this process and in the others already running: the run stops cleanly and stays
  resumable. A process started later asks Etsy once more (the day's window slides). The day's
  last headers are kept in the ledger, with when, for `status`. An optional `max_requests` cap
  stops the same way.

`meter_hooks()` plugs the limiter into an httpx client so that every request that goes on the wire
(a 401 replay by the auth flow included) passes through `acquire()` and `observe()`. Clock and sleep
are injectable so tests run on a fake clock; a shared ledger needs the wall clock (`time.time`),
the one clock processes agree on.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import httpx

from etsysync_cli.domain.pacing import Ledger, PacingState, T
from etsysync_cli.errors import QuotaExhaustedError
from etsysync_cli.etsy.events import RequestStats
from etsysync_cli.etsy.responses import (
    QUOTA_RETRY_AFTER_THRESHOLD,
    header_int,
    is_daily_quota,
    parse_retry_after,
    quota_hint,
)

DEFAULT_PER_SECOND = 10.0
DEFAULT_SAFETY = 0.975
# Seconds beyond one second between a start and the one `limit` starts ago. Etsy counts a
# request when it arrives, and one held up on its way out (a thread waiting for the GIL, a busy
# machine) arrives later than it started: the margin absorbs that. It stays under the pace's
# own spacing (ten slots take 1.026 s at the default factor), so it binds only when starts
# bunch up after a late wake-up and costs no throughput. At 0.01 a push of 1,600 requests met
# one or two 429s in some runs on this 2-core machine.
GUARD_MARGIN = 0.02
GUARD_MAX_LIMIT = 200  # per second; above it, starts are spaced but not guarded
DAY_SAVE_EVERY = 1.0  # seconds between saves of the day's headers that nothing else needs
PAUSED = "paused after a 429"
OPERATION_KEY = "etsysync.operation"  # request extension naming the Etsy operation


class MemoryLedger:
    """The pacing state of one process's limiter only (a client made by hand, tests)."""

    def __init__(self) -> None:
        self._state = PacingState()
        self._lock = threading.Lock()

    def update(self, change: Callable[[PacingState], T]) -> T:
        with self._lock:
            return change(self._state)

    def read(self) -> PacingState:
        with self._lock:
            return replace(self._state, recent_starts=list(self._state.recent_starts))

    def close(self) -> None:
        pass


class RateLimiter:
    def __init__(
        self,
        per_second: float = DEFAULT_PER_SECOND,
        *,
        safety: float = DEFAULT_SAFETY,
        min_factor: float = 0.5,
        recover_after: int = 50,
        default_pause: float = 1.0,
        quota_threshold: float = QUOTA_RETRY_AFTER_THRESHOLD,
        max_requests: int | None = None,
        guard_margin: float = GUARD_MARGIN,
        stats: RequestStats | None = None,
        ledger: Ledger | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second <= 0:
            raise ValueError("per_second must be positive")
        if not 0 < min_factor <= safety <= 1:
            raise ValueError("need 0 < min_factor <= safety <= 1")
        self.stats = stats if stats is not None else RequestStats()
        self.safety = safety
        self.min_factor = min_factor
        self.recover_after = recover_after
        self.default_pause = default_pause
        self.quota_threshold = quota_threshold
        self.max_requests = max_requests
        self.guard_margin = guard_margin
        self.ledger: Ledger = ledger if ledger is not None else MemoryLedger()
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._born = clock()
        self._limit = float(per_second)
        self._factor = safety
        self._last_slot = -math.inf  # start of the latest slot this limiter handed out
        self._ok_streak = 0
        self._granted = 0
        self._day_saved = -math.inf  # when the day's headers were last written to the ledger
        self._day_seen: tuple[int | None, int | None, float] | None = None  # not written yet
        self.limit_per_day: int | None = None
        self.remaining_today: int | None = None
        self.remaining_this_second: int | None = None

    # --- observable state -----------------------------------------------------------------------

    @property
    def limit_per_second(self) -> float:
        return self._limit

    @property
    def interval(self) -> float:
        """Seconds between two request starts at the current pace."""
        return 1.0 / (self._limit * self._factor)

    @property
    def guarded(self) -> bool:
        """Whether starts are recorded and guarded (see `_grant`): at a limit of a few hundred
        a second, a late start among so many no longer crowds a second."""
        return self._limit <= GUARD_MAX_LIMIT

    @property
    def requests_granted(self) -> int:
        return self._granted

    @property
    def paused_until(self) -> float | None:
        paused = self.ledger.read().paused_until
        return paused if paused > self._clock() else None

    @property
    def quota_exhausted(self) -> bool:
        with self._lock:
            return self._quota_error(self.ledger.read(), self._clock()) is not None

    # --- the hot path ---------------------------------------------------------------------------

    def acquire(self, operation: str = "") -> float:
        """Block until this request may start; returns the seconds waited.

        Raises QuotaExhaustedError (without waiting) once the daily quota or the cap is spent.
        """
        waited = 0.0
        while True:
            with self._lock:
                error, wait, reserved = self.ledger.update(self._reserve)
            if error is not None:
                self.stats.record_quota_exhausted(operation, error.retry_after, error.message)
                raise error
            if wait > 0:
                self.stats.record_wait(operation, wait, "rate limit" if reserved else PAUSED)
                self._sleep(wait)
                waited += wait
            if not reserved:
                continue
            # The slot's time has come; start now unless a 429 voided the slot meanwhile or a
            # late wake-up (a busy machine) would put this start within a second of the one
            # `limit` starts ago. The guard is on actual starts, not on slots: that is what
            # keeps every one-second window at the limit while the pace runs close to it.
            while True:
                with self._lock:
                    if self.guarded:
                        error, later, granted = self.ledger.update(self._grant)
                    else:  # nothing to record: a read sees a pause or a spent day
                        error, later, granted = self._grant(self.ledger.read())
                    if granted:
                        self._granted += 1
                if error is not None:
                    self.stats.record_quota_exhausted(operation, error.retry_after, error.message)
                    raise error
                if granted or later is None:
                    break
                self.stats.record_wait(operation, later, "rate limit")
                self._sleep(later)
                waited += later
            if granted:
                self.stats.record_request(operation)
                return waited

    def observe(self, status: int, headers: Mapping[str, str], operation: str = "") -> None:
        """Learn from a response's status and rate-limit headers."""
        limit = header_int(headers, "x-limit-per-second")
        remaining_second = header_int(headers, "x-remaining-this-second", "x-remaining-this-secon")
        limit_day = header_int(headers, "x-limit-per-day")
        remaining_today = header_int(headers, "x-remaining-today")
        retry_after = parse_retry_after(headers.get("retry-after"))
        daily = is_daily_quota(status, headers, threshold=self.quota_threshold)
        with self._lock:
            now = self._clock()
            respace = False
            if limit is not None and limit > 0 and limit != self._limit:
                self._limit, respace = float(limit), True
            if remaining_second is not None:
                self.remaining_this_second = remaining_second
            if limit_day is not None:
                self.limit_per_day = limit_day
            if remaining_today is not None:
                self.remaining_today = remaining_today
            pause: float | None = None
            if status == 429:
                self._ok_streak = 0
                if not daily:
                    pause = retry_after if retry_after is not None else self.default_pause
                    self._factor = max(self.min_factor, self._factor * 0.9)
                    respace = True
            elif status < 400:
                self._ok_streak += 1
                if self._ok_streak >= self.recover_after and self._factor < self.safety:
                    self._factor = min(self.safety, self._factor * 1.05)
                    self._ok_streak = 0
            interval, last_slot = self.interval, self._last_slot

            def learn(state: PacingState) -> None:
                if remaining_second is not None and remaining_second <= 0 and status != 429:
                    state.next_slot = max(state.next_slot, now + interval)
                if limit_day is not None:
                    state.limit_per_day = limit_day
                if remaining_today is not None:
                    state.remaining_today, state.seen_at = remaining_today, now
                    if remaining_today <= 0:
                        _spend_quota(state, now, retry_after if status == 429 else None)
                if status == 429 and daily:
                    _spend_quota(state, now, retry_after)
                if pause is not None:
                    _pause(state, now + pause)
                if respace:
                    # A slower pace applies from the next slot on, not only after the one
                    # already reserved.
                    state.next_slot = max(state.next_slot, last_slot + interval)

            shared = (
                (remaining_second is not None and remaining_second <= 0)
                or status == 429
                or respace
                or (remaining_today is not None and remaining_today <= 0)
            )
            if remaining_today is not None or limit_day is not None:
                self._day_seen = (limit_day, remaining_today, now)
            if shared or now - self._day_saved >= DAY_SAVE_EVERY:
                self.ledger.update(learn)
                self._day_saved, self._day_seen = now, None
        self.stats.record_response(operation, status)
        if status == 429 and not daily:
            self.stats.record_rate_limited(operation, retry_after)

    def close(self) -> None:
        """Save the last day's headers seen (what `status` shows), then let the ledger go."""
        with self._lock:
            seen, self._day_seen = self._day_seen, None
        if seen is not None:
            limit_day, remaining_today, at = seen

            def save(state: PacingState) -> None:
                if state.seen_at is None or state.seen_at <= at:
                    if limit_day is not None:
                        state.limit_per_day = limit_day
                    if remaining_today is not None:
                        state.remaining_today, state.seen_at = remaining_today, at

            self.ledger.update(save)
        self.ledger.close()

    def pause_until(self, deadline: float) -> None:
        """Hold every worker (of every process sharing the ledger) until `deadline`."""
        self.ledger.update(lambda state: _pause(state, deadline))

    def mark_quota_exhausted(self, retry_after: float | None) -> None:
        """The daily quota is spent (e.g. a 429 whose text says so): stop handing out slots."""
        now = self._clock()
        self.ledger.update(lambda state: _spend_quota(state, now, retry_after))

    # --- internals ------------------------------------------------------------------------------

    def _reserve(self, state: PacingState) -> tuple[QuotaExhaustedError | None, float, bool]:
        """In one ledger step: refuse (quota), wait out a pause, or take the next slot.
        Returns (error, seconds to wait, whether a slot was reserved)."""
        now, interval = self._clock(), self.interval
        if state.quota_until is not None and now >= state.quota_until:
            # The window has moved on: try again.
            state.quota_spent_at = state.quota_until = state.remaining_today = None
            self.remaining_today = None
        error = self._quota_error(state, now)
        if error is not None:
            return error, 0.0, False
        if state.paused_until > now:
            return None, state.paused_until - now, False
        start = max(now, state.next_slot)
        state.next_slot = start + interval
        self._last_slot = start
        return None, start - now, True

    def _grant(self, state: PacingState) -> tuple[QuotaExhaustedError | None, float | None, bool]:
        """In one ledger step: start now (recorded among the recent starts), or wait so many
        seconds, or (wait None) queue again for a new slot. Returns (error, wait, granted)."""
        now = self._clock()
        error = self._quota_error(state, now)
        if error is not None:
            return error, None, False
        if state.paused_until > now:
            return None, None, False  # a 429 arrived while we slept: the slot is void
        if not self.guarded:
            return None, 0.0, True
        window = math.ceil(self._limit)
        starts = state.recent_starts
        if len(starts) >= window:
            # No more than `limit` starts in any second (and a little): the slots leave room
            # for a start a little late (`window * interval` > 1 s), so this binds only when a
            # wake-up was later than that room, and does not carry lateness forward.
            earliest = starts[-window] + 1.0 + self.guard_margin
            if now < earliest:
                return None, earliest - now, False
        state.recent_starts = [*starts[-(window - 1) :], now] if window > 1 else [now]
        return None, 0.0, True

    def _quota_error(self, state: PacingState, now: float) -> QuotaExhaustedError | None:
        if self.max_requests is not None and self._granted >= self.max_requests:
            return QuotaExhaustedError(
                f"stopped after {self._granted} Etsy requests (the --max-requests cap)",
                hint="run the same command again to continue where it stopped",
            )
        # A spent quota stops the limiters that were running when it was met. One started
        # later asks Etsy once more: the day's window slides, and Etsy's answer is the truth.
        if state.quota_spent_at is None or state.quota_spent_at < self._born:
            return None
        if state.quota_until is not None and now >= state.quota_until:
            return None
        retry_after = None if state.quota_until is None else state.quota_until - now
        return QuotaExhaustedError(
            "Etsy's daily request quota is spent",
            retry_after=retry_after,
            status=429,
            hint=quota_hint(retry_after),
        )


def _pause(state: PacingState, deadline: float) -> None:
    state.paused_until = max(state.paused_until, deadline)
    state.next_slot = max(state.next_slot, deadline)


def _spend_quota(state: PacingState, now: float, retry_after: float | None) -> None:
    until = None if retry_after is None else now + retry_after
    spent = state.quota_spent_at is not None and (
        state.quota_until is None or now < state.quota_until
    )
    if not spent:
        state.quota_until = until
    elif until is not None:  # keep the latest known time; "unknown" never erases a known one
        state.quota_until = until if state.quota_until is None else max(state.quota_until, until)
    state.quota_spent_at = now


def operation_of(request: httpx.Request) -> str:
    """The Etsy operation a request belongs to (set by the client), else its method and path."""
    return str(request.extensions.get(OPERATION_KEY) or f"{request.method} {request.url.path}")


def meter_hooks(limiter: RateLimiter) -> dict[str, list[Callable[..., Any]]]:
    """httpx `event_hooks` that run every request through `limiter`.

    Hooks (rather than a wrapping transport) see every request the client sends, a 401 replay by
    the auth flow included, whatever transport or proxy mount carries it: httpx ignores the
    environment's proxies as soon as a transport is passed in.
    """

    def on_request(request: httpx.Request) -> None:
        limiter.acquire(operation_of(request))

    def on_response(response: httpx.Response) -> None:
        limiter.observe(response.status_code, response.headers, operation_of(response.request))

    return {"request": [on_request], "response": [on_response]}
