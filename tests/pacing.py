"""The sandbox's rate limits in tests: one place that says how fast a test's Etsy is.

The sandbox paces like Etsy by default (10 requests/s, 10,000/day, etsy-api.md §10.16). Most
tests are about behaviour, not speed, and start it with `FAST` limits: still real limits, sent
in all four headers on every answer, so the client's header-fed limiter is exercised, only
high enough that no test waits. A representative set of end-to-end tests runs at `ETSY`'s exact
defaults instead; they are marked `etsy_pacing` (`pytest -m etsy_pacing` runs them alone).
"""

from __future__ import annotations

from typing import Any

from etsysync_cli.sandbox import SandboxConfig
from etsysync_cli.sandbox.config import ETSY_RPD, ETSY_RPS

# 1,000/s: the client spaces requests ~1 ms apart, far below a loopback round trip, so tests do
# not wait; a day of 10 million is more than any test or benchmark run makes.
FAST: dict[str, int] = {"rps": 1000, "rpd": 10_000_000}
ETSY: dict[str, int] = {"rps": ETSY_RPS, "rpd": ETSY_RPD}


def fast_config(**fields: Any) -> SandboxConfig:
    """A `SandboxConfig` on a free port with `FAST` limits; `fields` set anything else (a test
    that wants other limits passes rps/rpd itself)."""
    return SandboxConfig(**{"port": 0, **FAST, **fields})
