"""Etsy's two rate limits: queries per second and per (sliding) day, with Etsy's headers."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

DAY_SECONDS = 86400


@dataclass
class Decision:
    """The limiter's answer for one request."""

    allowed: bool
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    retry_after: int | None = None


class RateLimiter:
    """Sliding windows of one second and one day, per app (the sandbox serves one app).

    Sliding windows, not fixed ones: with a fixed window, two bursts straddling a boundary
    pass at twice the limit, which would let a client that ignores the headers look compliant.
    Only requests that pass count; a refused request does not use up quota. The clock is an
    attribute so tests can freeze time and count deterministically.
    """

    def __init__(
        self,
        rps: int | None,
        rpd: int | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rps = rps
        self.rpd = rpd
        self.clock = clock
        self._second: deque[float] = deque()
        self._day: deque[float] = deque()
        self._lock = threading.Lock()

    def check(self) -> Decision:
        with self._lock:
            now = self.clock()
            while self._second and self._second[0] <= now - 1.0:
                self._second.popleft()
            while self._day and self._day[0] <= now - DAY_SECONDS:
                self._day.popleft()
            # Etsy checks QPS first, then QPD (etsy-api.md §3).
            if self.rps is not None and len(self._second) >= self.rps:
                # Whether Etsy sends x-limit-* on a 429 is (U); clients must not depend on it,
                # so the sandbox sends only retry-after here.
                return Decision(False, {}, "Exceeded per second rate limit", 1)
            if self.rpd is not None and len(self._day) >= self.rpd:
                # Observed from Etsy: retry-after 86400 and x-remaining-today 0 once the day
                # is spent, even though the window is sliding.
                headers = {"x-limit-per-day": str(self.rpd), "x-remaining-today": "0"}
                return Decision(False, headers, "Exceeded daily rate limit", DAY_SECONDS)
            # Windows are kept only for configured limits, so an unlimited sandbox running a
            # long benchmark does not accumulate a day of timestamps.
            if self.rps is not None:
                self._second.append(now)
            if self.rpd is not None:
                self._day.append(now)
            return Decision(True, self._headers())

    def reset_day(self, rpd: int | None = None) -> None:
        """Forget the requests counted in the day window (as if a day had passed); `rpd`, if
        given, is the new daily limit. For tests of a quota that runs out and comes back."""
        with self._lock:
            self._day.clear()
            if rpd is not None:
                self.rpd = rpd

    def _headers(self) -> dict[str, str]:
        # Headers are sent only for a configured limit: an unlimited sandbox has no honest
        # number to advertise, and a made-up one would make clients throttle for nothing.
        headers: dict[str, str] = {}
        if self.rps is not None:
            headers["x-limit-per-second"] = str(self.rps)
            headers["x-remaining-this-second"] = str(max(self.rps - len(self._second), 0))
        if self.rpd is not None:
            headers["x-limit-per-day"] = str(self.rpd)
            headers["x-remaining-today"] = str(max(self.rpd - len(self._day), 0))
        return headers

    def usage(self) -> dict[str, int | None]:
        """For the inspection API: limits and what is left right now."""
        with self._lock:
            now = self.clock()
            second = sum(1 for t in self._second if t > now - 1.0)
            day = sum(1 for t in self._day if t > now - DAY_SECONDS)
        return {
            "limit_per_second": self.rps,
            "limit_per_day": self.rpd,
            "used_this_second": second,
            "used_today": day,
        }
