"""Smoke version of benchmark 2: each change costs the minimum of Etsy requests.

Counts only, never timing: a sandbox with the tests' FAST limits and a small catalog.
"""

from __future__ import annotations

from benchmarks import requests_per_change
from tests.pacing import FAST


def test_each_change_costs_the_minimum_of_requests() -> None:
    result = requests_per_change.measure(size=4, **FAST)
    steps = result["steps"]

    refresh = requests_per_change.REFRESH  # every plan reads the linked listings first
    assert steps["unchanged re-sync"] == refresh
    assert steps["one price changed"] == {**refresh, "inventory": 1}
    assert sum(steps["one image replaced"].values()) <= 2 + 2
    assert steps["one image replaced"].get("image") == 1
    assert steps["a variant added"] == {**refresh, "inventory": 1}
    assert requests_per_change.check(result) == []
    # the first push: per product one create, its images and one inventory PUT (plus the
    # plan's one-off reads of the shop's profiles and listings)
    initial = result["initial"]
    assert (initial["create"], initial["image"], initial["inventory"]) == (4, 8, 4)
    assert "patch" not in initial
