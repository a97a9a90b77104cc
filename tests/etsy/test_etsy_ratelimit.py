"""The shared rate limiter: spacing, header feedback, pauses, quota, counters."""

from __future__ import annotations

import random
import threading
import time
from collections import deque

import httpx
import pytest
from etsy_fakes import FakeClock

from etsysync_cli.errors import ExitCode, QuotaExhaustedError
from etsysync_cli.etsy.events import EtsyEvent, RequestStats
from etsysync_cli.etsy.ratelimit import OPERATION_KEY, RateLimiter, meter_hooks


def make(clock: FakeClock, **kwargs: object) -> tuple[RateLimiter, list[EtsyEvent]]:
    events: list[EtsyEvent] = []
    limiter = RateLimiter(
        stats=RequestStats(on_event=events.append),
        clock=clock,
        sleep=clock.sleep,
        **kwargs,  # type: ignore[arg-type]
    )
    return limiter, events


def test_requests_are_spaced_at_the_safe_pace(clock: FakeClock) -> None:
    limiter, _ = make(clock, per_second=10, safety=1.0)
    waits = [limiter.acquire("getListing") for _ in range(5)]
    assert waits == pytest.approx([0.0, 0.1, 0.1, 0.1, 0.1])
    default, _ = make(FakeClock(), per_second=10)  # default safety 0.975
    assert default.interval == pytest.approx(1 / 9.75)


def test_idle_time_is_not_saved_up_as_a_burst(clock: FakeClock) -> None:
    limiter, _ = make(clock, per_second=10, safety=1.0)
    limiter.acquire()
    clock.now += 5
    assert [limiter.acquire() for _ in range(3)] == pytest.approx([0.0, 0.1, 0.1])


def test_limit_header_changes_the_pace(clock: FakeClock) -> None:
    limiter, _ = make(clock, per_second=10, safety=1.0)
    limiter.observe(200, httpx.Headers({"X-Limit-Per-Second": "5"}))
    assert limiter.limit_per_second == 5
    assert limiter.interval == pytest.approx(0.2)
    limiter.observe(200, httpx.Headers({"x-limit-per-second": "150"}))
    assert limiter.interval == pytest.approx(1 / 150)


@pytest.mark.parametrize("name", ["x-remaining-this-second", "x-remaining-this-secon"])
def test_no_calls_left_this_second_pushes_the_next_slot(clock: FakeClock, name: str) -> None:
    limiter, _ = make(clock, per_second=10, safety=1.0)
    limiter.acquire()
    clock.now += 1  # long idle: the next request could go at once...
    limiter.observe(200, httpx.Headers({name: "0"}))
    assert limiter.remaining_this_second == 0
    assert limiter.acquire() == pytest.approx(0.1)  # ...but waits one interval


def test_pause_until_holds_every_request(clock: FakeClock) -> None:
    limiter, events = make(clock, per_second=10, safety=1.0)
    limiter.pause_until(clock.now + 3)
    assert limiter.paused_until == clock.now + 3
    assert limiter.acquire("getMe") == pytest.approx(3.0)
    assert limiter.acquire("getMe") == pytest.approx(0.1)
    waits = [e for e in events if e.kind == "wait"]
    assert waits[0].detail == "paused after a 429" and waits[0].seconds == pytest.approx(3.0)


def test_per_second_429_pauses_everyone_and_slows_down(clock: FakeClock) -> None:
    limiter, events = make(clock, per_second=10, safety=1.0)
    before = limiter.interval
    limiter.observe(429, httpx.Headers({"retry-after": "2"}), "updateListing")
    assert limiter.paused_until == pytest.approx(clock.now + 2)
    assert limiter.interval == pytest.approx(before / 0.9)
    assert limiter.stats.rate_limited == 1
    assert limiter.stats.rate_limited_by_operation["updateListing"] == 1
    assert [e.kind for e in events] == ["response", "rate_limited"]
    assert limiter.acquire() == pytest.approx(2.0)
    assert not limiter.quota_exhausted


def test_429_without_retry_after_pauses_one_second(clock: FakeClock) -> None:
    limiter, _ = make(clock)
    limiter.observe(429, httpx.Headers())
    assert limiter.paused_until == pytest.approx(clock.now + 1.0)


def test_pace_recovers_after_a_run_of_successes(clock: FakeClock) -> None:
    limiter, _ = make(clock, per_second=10, safety=1.0, recover_after=3)
    limiter.observe(429, httpx.Headers({"retry-after": "1"}))
    slow = limiter.interval
    for _ in range(3):
        limiter.observe(200, httpx.Headers())
    assert limiter.interval < slow
    for _ in range(30):
        limiter.observe(200, httpx.Headers())
    assert limiter.interval == pytest.approx(0.1)  # never faster than the safe pace


def test_factor_never_drops_below_the_floor(clock: FakeClock) -> None:
    limiter, _ = make(clock, per_second=10, safety=1.0, min_factor=0.5)
    for _ in range(50):
        limiter.observe(429, httpx.Headers({"retry-after": "0"}))
    assert limiter.interval == pytest.approx(0.2)


def test_daily_headers_are_tracked(clock: FakeClock) -> None:
    limiter, _ = make(clock)
    limiter.observe(200, httpx.Headers({"x-limit-per-day": "10000", "x-remaining-today": "9876"}))
    assert (limiter.limit_per_day, limiter.remaining_today) == (10000, 9876)
    assert not limiter.quota_exhausted


def test_no_calls_left_today_stops_further_requests(clock: FakeClock) -> None:
    limiter, events = make(clock)
    limiter.acquire("getListing")
    limiter.observe(200, httpx.Headers({"x-remaining-today": "0"}), "getListing")
    assert limiter.quota_exhausted
    with pytest.raises(QuotaExhaustedError) as caught:
        limiter.acquire("updateListing")
    assert caught.value.exit_code == ExitCode.QUOTA
    assert caught.value.retry_after is None
    assert events[-1].kind == "quota_exhausted" and events[-1].operation == "updateListing"
    assert limiter.stats.requests == 1  # the refused request was never counted as made


def test_daily_429_blocks_until_retry_after_has_passed(clock: FakeClock) -> None:
    limiter, _ = make(clock)
    limiter.observe(429, httpx.Headers({"retry-after": "86400", "x-remaining-today": "0"}))
    with pytest.raises(QuotaExhaustedError) as caught:
        limiter.acquire()
    assert caught.value.retry_after == pytest.approx(86400)
    assert limiter.stats.rate_limited == 0  # a quota 429 is not a per-second one
    clock.now += 3600
    with pytest.raises(QuotaExhaustedError) as caught:
        limiter.acquire()
    assert caught.value.retry_after == pytest.approx(86400 - 3600)
    clock.now += 86400
    limiter.acquire()  # the window moved on


def test_mark_quota_exhausted(clock: FakeClock) -> None:
    limiter, _ = make(clock)
    limiter.mark_quota_exhausted(120)
    with pytest.raises(QuotaExhaustedError) as caught:
        limiter.acquire()
    assert caught.value.retry_after == pytest.approx(120)
    assert caught.value.hint is not None and "2 minutes" in caught.value.hint


def test_max_requests_cap(clock: FakeClock) -> None:
    limiter, _ = make(clock, max_requests=2)
    limiter.acquire()
    limiter.acquire()
    with pytest.raises(QuotaExhaustedError, match="--max-requests"):
        limiter.acquire()
    assert limiter.requests_granted == 2


def test_stats_count_requests_by_operation(clock: FakeClock) -> None:
    limiter, events = make(clock, per_second=10, safety=1.0)
    limiter.acquire("getMe")
    limiter.acquire("getListing")
    limiter.acquire("getListing")
    limiter.observe(200, httpx.Headers(), "getListing")
    snapshot = limiter.stats.snapshot()
    assert snapshot["requests"] == 3
    assert snapshot["requests_by_operation"] == {"getMe": 1, "getListing": 2}
    assert snapshot["responses_by_status"] == {"200": 1}
    assert snapshot["waits"] == 2
    assert snapshot["wait_seconds"] == pytest.approx(0.2)
    assert [e.kind for e in events].count("request") == 3


def test_meter_hooks_run_every_request_through_the_limiter(clock: FakeClock) -> None:
    limiter, _ = make(clock, per_second=10, safety=1.0)
    inner = httpx.MockTransport(
        lambda request: httpx.Response(200, headers={"x-limit-per-second": "4"})
    )
    with httpx.Client(transport=inner, event_hooks=meter_hooks(limiter)) as http:
        http.get("https://etsy.test/a", extensions={OPERATION_KEY: "getMe"})
        http.get("https://etsy.test/b")
    assert limiter.limit_per_second == 4
    assert limiter.stats.requests_by_operation == {"getMe": 1, "GET /b": 1}
    assert limiter.stats.responses_by_status == {200: 2}
    assert clock.sleeps == pytest.approx([0.25])  # the second request waited at the new pace


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(per_second=0)
    with pytest.raises(ValueError):
        RateLimiter(safety=0.4, min_factor=0.5)


@pytest.mark.slow
def test_concurrent_workers_sustain_the_limit_without_429s() -> None:
    """8 workers, 150-300 ms latency, a server that answers 429 past 10 requests in any 1 s."""
    limit, total, workers = 10, 32, 8
    arrivals: deque[float] = deque()
    lock = threading.Lock()
    rejected = 0
    starts: list[float] = []

    def server(request: httpx.Request) -> httpx.Response:
        nonlocal rejected
        now = time.monotonic()
        with lock:
            starts.append(now)
            while arrivals and arrivals[0] <= now - 1.0:
                arrivals.popleft()
            over = len(arrivals) >= limit
            if over:
                rejected += 1
            else:
                arrivals.append(now)
            remaining = max(0, limit - len(arrivals))
        time.sleep(random.uniform(0.15, 0.3))
        headers = {"x-limit-per-second": str(limit), "x-remaining-this-second": str(remaining)}
        if over:
            return httpx.Response(429, headers={**headers, "retry-after": "1"})
        return httpx.Response(200, headers=headers)

    limiter = RateLimiter(per_second=limit)
    hooks = meter_hooks(limiter)
    with httpx.Client(transport=httpx.MockTransport(server), event_hooks=hooks) as http:
        todo = list(range(total))
        todo_lock = threading.Lock()

        def work() -> None:
            while True:
                with todo_lock:
                    if not todo:
                        return
                    todo.pop()
                http.get("https://etsy.test/x")

        threads = [threading.Thread(target=work) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert rejected == 0
    rate = (len(starts) - 1) / (starts[-1] - starts[0])
    assert rate >= 0.9 * limit, f"only {rate:.2f} requests per second"
    assert rate <= limit


# --- one app, one budget: limiters sharing a ledger (the app home's pacing file) -----------------


def shared(clock: FakeClock, home: object, **kwargs: object) -> RateLimiter:
    from etsysync_cli.store.pacing import SqliteLedger

    return RateLimiter(
        ledger=SqliteLedger(home, "the-app-keystring"),  # type: ignore[arg-type]
        clock=clock,
        sleep=clock.sleep,
        **kwargs,  # type: ignore[arg-type]
    )


def test_limiters_of_one_app_take_turns_at_one_pace(clock: FakeClock, tmp_path: object) -> None:
    first = shared(clock, tmp_path, per_second=10, safety=1.0)
    second = shared(clock, tmp_path, per_second=10, safety=1.0)
    starts = []
    for limiter in (first, second) * 3:
        limiter.acquire()
        starts.append(round(clock.now - 1000, 3))
    assert starts == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]  # one pace for both, not two
    apart = [make(clock, per_second=10, safety=1.0)[0] for _ in range(2)]
    assert [limiter.acquire() for limiter in apart] == [0.0, 0.0]  # each on its own: no turns


def test_a_429_or_a_spent_day_seen_by_one_holds_the_others(
    clock: FakeClock, tmp_path: object
) -> None:
    first = shared(clock, tmp_path, per_second=10, safety=1.0)
    second = shared(clock, tmp_path, per_second=10, safety=1.0)
    first.observe(429, httpx.Headers({"retry-after": "2"}))
    assert second.acquire() == pytest.approx(2.0)
    first.observe(200, httpx.Headers({"x-remaining-today": "0", "x-limit-per-day": "10000"}))
    with pytest.raises(QuotaExhaustedError):
        second.acquire()
    # One started after the day ran out asks Etsy once more (the day's window slides).
    clock.now += 1
    later = shared(clock, tmp_path, per_second=10, safety=1.0)
    assert later.acquire() >= 0
    assert later.ledger.read().remaining_today == 0  # what `status` shows


def test_a_late_wake_up_does_not_crowd_the_next_second(clock: FakeClock) -> None:
    late = {1}  # the first sleep (the second request's) overruns by 50 ms, as on a busy machine

    def sleep(seconds: float) -> None:
        clock.sleep(seconds + (0.05 if len(clock.sleeps) + 1 in late else 0))

    limiter = RateLimiter(per_second=10, safety=1.0, guard_margin=0, clock=clock, sleep=sleep)
    starts = []
    for _ in range(12):
        limiter.acquire()
        starts.append(round(clock.now - 1000, 3))
    assert starts[1] == 0.15  # started late; the next ones keep their slots...
    assert starts[2:11] == pytest.approx([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
    # ...but the one ten starts later waits for a whole second after it, not for its slot (1.1).
    assert starts[11] == pytest.approx(1.15)
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(starts, starts[10:], strict=False))


def test_an_update_interrupted_after_its_begin_does_not_block_the_next(tmp_path: object) -> None:
    """Ctrl-C can land between the ledger's BEGIN and the try that would roll it back: the next
    update must not fail with "cannot start a transaction within a transaction" (a plan stopped
    so once exited 1 instead of 130)."""
    from etsysync_cli.domain.pacing import PacingState
    from etsysync_cli.store.pacing import SqliteLedger

    ledger = SqliteLedger(tmp_path, "the-app-keystring")  # type: ignore[arg-type]
    ledger._db.execute("BEGIN IMMEDIATE")  # what the interrupted update left

    def mark(state: PacingState) -> int:
        state.remaining_today = 41
        return 1

    assert ledger.update(mark) == 1
    assert ledger.read().remaining_today == 41
    assert not ledger._db.in_transaction
