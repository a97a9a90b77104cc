"""Benchmark 2: Etsy requests per change, each the minimum Etsy allows (asserted).

A small catalog is created, then changed one thing at a time; each step is a full plan + confirm
and counts the requests the sandbox saw (plan included: once the shop's profiles are cached, it
costs the reading of the linked listings, 2 requests per 100).
"""

from __future__ import annotations

import copy
from collections import Counter
from pathlib import Path
from typing import Any

try:
    from benchmarks import common
except ImportError:  # run as a script from benchmarks/
    import common  # type: ignore[no-redef]

# Every plan first reads what Etsy holds for the linked listings (issue 14): 2 requests per
# 100 links, the same for every step here.
REFRESH = {"getListingsByListingIds": 1, "getListingsInventoryByListingIds": 1}

# step → (most requests allowed, exact kinds expected or None), the refresh included
EXPECTED: dict[str, tuple[int, dict[str, int] | None]] = {
    "unchanged re-sync": (2, {**REFRESH}),
    "one price changed": (3, {**REFRESH, "inventory": 1}),
    "one image replaced": (4, None),
    "a variant added": (3, {**REFRESH, "inventory": 1}),
}


def catalog(folder: Path, size: int) -> list[dict[str, Any]]:
    docs = []
    for i in range(size):
        images = [common.write_image(folder, f"p{i}-{n}.png", i * 10 + n) for n in range(2)]
        docs.append(common.product(i, images=images, variants=i % 2 == 1))
    return docs


def step(env: common.Env, path: Path, docs: list[dict[str, Any]]) -> Counter[str]:
    common.write_json(path, docs)
    before = len(env.api_log())
    result = env.plan(path)
    if result.job.total_products:
        pushed = env.confirm(result.job.transaction_id)
        assert pushed.job.failed_count == 0, pushed.job.error_log
    return common.kinds(env.api_log()[before:])


def measure(
    *, size: int = 6, rps: int = 10, rpd: int = 10_000, latency_ms: int = 0
) -> dict[str, Any]:
    with common.environment(rps=rps, rpd=rpd, latency_ms=latency_ms) as env:
        folder = env.home / "catalog"
        path = folder / "catalog.json"
        docs = catalog(folder, size)
        first = step(env, path, docs)
        steps: dict[str, Counter[str]] = {"unchanged re-sync": step(env, path, docs)}

        docs = copy.deepcopy(docs)
        docs[0]["variants"][0]["prices"][0]["amount"] += 1
        steps["one price changed"] = step(env, path, docs)

        docs = copy.deepcopy(docs)
        docs[2]["images"] = [common.write_image(folder, "p2-new.png", 9999)]
        steps["one image replaced"] = step(env, path, docs)

        docs = copy.deepcopy(docs)
        with_variants = docs[1]
        with_variants["options"][0]["values"].append("XL")
        with_variants["variants"].append(
            {
                "sku": "SKU-1-XL-Red",
                "options": {"Size": "XL", "Colour": "Red"},
                "prices": [{"amount": 50, "currency_code": "usd"}],
                "inventory_quantity": 3,
            }
        )
        steps["a variant added"] = step(env, path, docs)
    return {
        "catalog_size": size,
        "initial": dict(first),
        "steps": {k: dict(v) for k, v in steps.items()},
    }


def check(result: dict[str, Any]) -> list[str]:
    """Problems with the counts (empty: every step used the minimum)."""
    problems = []
    for name, (most, exact) in EXPECTED.items():
        got = result["steps"][name]
        total = sum(got.values())
        if total > most or (exact is not None and got != exact):
            problems.append(f"{name}: {total} requests {got}, expected ≤ {most} {exact or ''}")
    return problems


def run() -> dict[str, Any]:
    result = measure()
    problems = check(result)
    rows = []
    for name, (most, _) in EXPECTED.items():
        got = result["steps"][name]
        detail = ", ".join(f"{n} {k}" for k, n in sorted(got.items())) or "-"
        rows.append(
            [name, sum(got.values()), f"≤ {most}" if name == "one image replaced" else most, detail]
        )
    print(common.table(["change", "requests", "target", "by kind"], rows))
    result["problems"] = problems
    result["ok"] = not problems
    common.save("requests_per_change", result)
    if problems:
        print("MISSED: " + "; ".join(problems))
    return result


if __name__ == "__main__":
    run()
