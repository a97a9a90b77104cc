"""Benchmark 1: push throughput against Etsy's per-second limit.

300 products (2-4 images each, every third with 2x3 variants, every third published active)
confirmed against the sandbox at 10 requests/s with 150-300 ms latency per request (uniform
jitter, seeded), once per concurrency setting. Targets: the best setting at >= 97% of the
limit, and no 429 at any.
"""

from __future__ import annotations

import time
from typing import Any

try:
    from benchmarks import common
except ImportError:  # run as a script from benchmarks/
    import common  # type: ignore[no-redef]

LIMIT = 10
PRODUCTS = 300
CONCURRENCIES = (4, 8)
JITTER_MS = (150, 300)


def catalog(folder: Any, size: int) -> list[dict[str, Any]]:
    docs = []
    for i in range(size):
        images = [common.write_image(folder, f"p{i}-{n}.png", i * 10 + n) for n in range(2 + i % 3)]
        state = "active" if i % 3 == 2 else "draft"
        docs.append(common.product(i, images=images, variants=i % 3 == 1, state=state))
    return docs


def measure(concurrency: int, *, size: int = PRODUCTS) -> dict[str, Any]:
    with common.environment(
        rps=LIMIT, jitter_ms=JITTER_MS, settings={"sync.concurrency": concurrency}
    ) as env:
        folder = env.home / "catalog"
        path = common.write_json(folder / "catalog.json", catalog(folder, size))
        planned = env.plan(path)
        stats = env.session.client.stats
        retries_before, limited_before = stats.retries, stats.rate_limited
        env.sandbox.clear_request_log()
        started = time.perf_counter()
        pushed = env.confirm(planned.job.transaction_id)
        wall = time.perf_counter() - started
        log = env.api_log()
        job = pushed.job
        rate_failed = sum(1 for e in job.error_log if "rate" in str(e.get("error", "")).lower())
        total = len(log)
        by_kind = common.kinds(log)
        times = sorted(e["time"] for e in log)
        span = times[-1] - times[0] if len(times) > 1 else wall
        return {
            "concurrency": concurrency,
            "products": size,
            "synced": job.synced_count,
            "failed": job.failed_count,
            "failed_by_rate_limit": rate_failed,
            "requests": total,
            "estimated_requests": planned.estimated_requests,
            "wall_seconds": round(wall, 2),
            "achieved_rps": round(total / wall, 3),
            "share_of_limit": round(total / wall / LIMIT, 3),
            "share_of_limit_first_to_last": round((total - 1) / span / LIMIT, 3),
            "lower_bound_seconds": round(total / LIMIT, 2),
            "wall_over_lower_bound": round(wall / (total / LIMIT), 3),
            "status_429": sum(1 for e in log if e["status"] == 429),
            "retries": stats.retries - retries_before,
            "client_saw_429": stats.rate_limited - limited_before,
            "requests_by_kind": dict(by_kind),
            "per_product": {k: round(n / size, 2) for k, n in sorted(by_kind.items())},
        }


def run(concurrencies: tuple[int, ...] = CONCURRENCIES) -> dict[str, Any]:
    runs = [measure(c) for c in concurrencies]
    rows = [
        [
            r["concurrency"],
            r["requests"],
            r["wall_seconds"],
            r["share_of_limit"],
            r["wall_over_lower_bound"],
            r["status_429"],
            r["retries"],
            f"{r['synced']}/{r['failed']}",
            " ".join(f"{k}={v}" for k, v in r["per_product"].items()),
        ]
        for r in runs
    ]
    print(
        common.table(
            [
                "concurrency",
                "requests",
                "wall s",
                "rps/limit",
                "wall/bound",
                "429s",
                "retries",
                "ok/failed",
                "per product",
            ],
            rows,
        )
    )
    best = max(runs, key=lambda r: (r["share_of_limit"], -r["status_429"]))
    result = {
        "limit_per_second": LIMIT,
        "latency_ms": list(JITTER_MS),
        "runs": runs,
        "best_concurrency": best["concurrency"],
    }
    problems = [
        f"concurrency {r['concurrency']}: {msg}"
        for r in runs
        for msg, bad in (
            (f"{r['share_of_limit']:.0%} of the limit (target >= 90%)", r["share_of_limit"] < 0.9),
            (
                f"{r['failed_by_rate_limit']} products failed by rate limiting",
                r["failed_by_rate_limit"],
            ),
            (f"{r['status_429']} 429s (target 0)", r["status_429"] > 0),
        )
        if bad
    ]
    if best["share_of_limit"] < 0.97:
        problems.append(f"best: {best['share_of_limit']:.1%} of the limit (target >= 97%)")
    result["problems"], result["ok"] = problems, not problems
    common.save("push_throughput", result)
    if problems:
        print("MISSED: " + "; ".join(problems))
    return result


if __name__ == "__main__":
    run()
