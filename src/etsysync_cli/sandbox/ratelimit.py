"""Etsy's two rate limits: queries per second and per (sliding) day, with Etsy's headers.

What is on record (etsy-api.md §3, §10.16): a new app gets 10 per second and 10,000 per day;
the day is a sliding 24 h window; the four headers `x-limit-per-second`,
`x-remaining-this-second`, `x-limit-per-day` and `x-remaining-today` come with the answers; QPS is
checked before QPD; over either is a 429 with `retry-after`. The sandbox always has both limits
(there is no "unlimited": Etsy has none), so every API answer can carry all four headers.

What counts, and why:
- a request that passes the per-second check takes a slot of that second, even when the daily
  check then refuses it: the daily 429 captured in open-api#256 says `x-remaining-this-second: 9`;
- only requests that pass both checks use up the day (a refused request is not served);
- requests refused for their x-api-key never reach the limiter (no app to charge them to), and
  the token endpoint and `/_sandbox/` are not the API: neither is limited (see http.py).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

DAY_SECONDS = 86400
PER_SECOND_ERROR = "Exceeded per second rate limit"  # open-api#198
PER_DAY_ERROR = "Exceeded daily rate limit"  # open-api#620


@dataclass
class Decision:
    """The limiter's answer for one request: allowed or not, and the headers to send."""

    allowed: bool
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    retry_after: int | None = None


class RateLimiter:
    """Sliding windows of one second and one day, per app (the sandbox serves one app).

    Per app, not per shop or token: Etsy's limits belong to the keystring (etsy-api.md §3), so
    every seller of `--shops N` who authorized the app spends the same two budgets.

    Sliding windows, not fixed ones: with a fixed window, two bursts straddling a boundary
    pass at twice the limit, which would let a client that ignores the headers look compliant.
    The day window keeps (time, count) pairs, so marking thousands of requests as already made
    (`use_today`) costs one entry. The clock is an attribute so tests can freeze time.
    """

    def __init__(self, rps: int, rpd: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rps = rps
        self.rpd = rpd
        self.clock = clock
        self._second: deque[float] = deque()
        self._day: deque[tuple[float, int]] = deque()
        self._used_today = 0
        self._lock = threading.Lock()

    def check(self) -> Decision:
        """Count one API request, or refuse it with Etsy's 429 error and retry-after."""
        with self._lock:
            now = self._slide()
            if len(self._second) >= self.rps:  # Etsy checks QPS first (etsy-api.md §3)
                return Decision(False, self._headers(), PER_SECOND_ERROR, 1)
            self._second.append(now)
            if self._used_today >= self.rpd:
                # Observed from Etsy (open-api#256): retry-after 86400 and x-remaining-today 0
                # once the day is spent, even though the window slides.
                return Decision(False, self._headers(), PER_DAY_ERROR, DAY_SECONDS)
            self._day.append((now, 1))
            self._used_today += 1
            return Decision(True, self._headers())

    def headers(self) -> dict[str, str]:
        """The four headers as they stand now, counting nothing (for answers that use no quota)."""
        with self._lock:
            self._slide()
            return self._headers()

    def use_today(self, count: int) -> None:
        """Count `count` requests as made just now, in the day window only (the limit stays).

        For tests of a quota that runs out: leave a few requests of Etsy's exact 10,000
        instead of spending them all or lowering the limit."""
        if count < 0:
            raise ValueError("count must not be negative")
        with self._lock:
            now = self._slide()
            if count:
                self._day.append((now, count))
                self._used_today += count

    def reset_day(self, rpd: int | None = None) -> None:
        """Forget the requests counted in the day window (as if a day had passed); `rpd`, if
        given, is the new daily limit."""
        with self._lock:
            self._day.clear()
            self._used_today = 0
            if rpd is not None:
                self.rpd = rpd

    def usage(self) -> dict[str, int]:
        """For the inspection API: limits and what is used right now."""
        with self._lock:
            self._slide()
            return {
                "limit_per_second": self.rps,
                "limit_per_day": self.rpd,
                "used_this_second": len(self._second),
                "used_today": self._used_today,
            }

    # --- internals (call with the lock held) ----------------------------------------------------

    def _slide(self) -> float:
        now = self.clock()
        while self._second and self._second[0] <= now - 1.0:
            self._second.popleft()
        while self._day and self._day[0][0] <= now - DAY_SECONDS:
            self._used_today -= self._day.popleft()[1]
        return now

    def _headers(self) -> dict[str, str]:
        return {
            "x-limit-per-second": str(self.rps),
            "x-remaining-this-second": str(max(self.rps - len(self._second), 0)),
            "x-limit-per-day": str(self.rpd),
            "x-remaining-today": str(max(self.rpd - self._used_today, 0)),
        }
