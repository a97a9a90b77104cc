"""The pacing state one Etsy app shares between everything that uses its keystring.

Etsy's limits belong to the app, not to the shop or the process (etsy-api.md §3): two `confirm`s
on two shops with one keystring draw on the same 10 requests a second and 10,000 a day. So the
part of the limiter's state that must be common — the next free start time, a pause after a
429, and what Etsy last said of the day — is a `PacingState` kept in a `Ledger`:

- `etsy.ratelimit.MemoryLedger` holds it for one process (tests, a client made by hand);
- `store.pacing.SqliteLedger` holds it in a small SQLite file in the app home, so every process
  of the same app home shares it (etsy/ratelimit.py does the pacing over either).

Times in a shared state are wall-clock seconds (`time.time()`), the one clock processes share.
The keystring itself is never kept: the ledger is keyed by `app_key(keystring)`, a hash of it.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

T = TypeVar("T")


def app_key(keystring: str) -> str:
    """The name a ledger knows an app by: a SHA-256 of its keystring, never the keystring."""
    return hashlib.sha256(f"etsysync-app:{keystring}".encode()).hexdigest()


@dataclass
class PacingState:
    next_slot: float = -math.inf  # the earliest start of the next request
    paused_until: float = -math.inf  # no request starts before this (after a per-second 429)
    limit_per_day: int | None = None  # the last `x-limit-per-day` seen
    remaining_today: int | None = None  # the last `x-remaining-today` seen
    seen_at: float | None = None  # when those two were seen
    quota_spent_at: float | None = None  # when someone met the end of the day's quota
    quota_until: float | None = None  # when it frees up, if Etsy said (`retry-after`)
    # When the last requests (as many as the per-second limit) actually started, oldest first.
    recent_starts: list[float] = field(default_factory=list)


class Ledger(Protocol):
    def update(self, change: Callable[[PacingState], T]) -> T:
        """Run `change` on the state in one exclusive step (no other update in between, in
        this process or another) and keep what it changed; returns what `change` returns."""
        ...

    def read(self) -> PacingState:
        """A copy of the state as it stands."""
        ...

    def close(self) -> None: ...
