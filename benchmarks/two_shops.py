"""Benchmark: two shops of one Etsy app pushed at the same time, one pacing budget.

A `--shops 2` sandbox at 10 requests/s for the app (the sandbox limits per keystring, as Etsy
does) with push_throughput's 150-300 ms latency; both sellers connected in one app home; the
same catalog planned for each shop, then both confirmed at once, each with its own session (its
own limiter over the app home's pacing file, as two `etsysync confirm` processes have).
Together they should stay under the limit with no 429s and reach >= 90% of it.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

try:
    from benchmarks import common, push_throughput
except ImportError:  # run as a script from benchmarks/
    import common  # type: ignore[no-redef]
    import push_throughput  # type: ignore[no-redef]

from etsysync_cli.flows import confirm as confirming
from etsysync_cli.flows import plan as planning

PRODUCTS = 60  # per shop
CONCURRENCY = 4  # per push


def measure(size: int = PRODUCTS) -> dict[str, Any]:
    limit = push_throughput.LIMIT
    with common.environment(
        rps=limit,
        jitter_ms=push_throughput.JITTER_MS,
        settings={"sync.concurrency": CONCURRENCY},
        shops=2,
    ) as env:
        folder = env.home / "catalog"
        path = common.write_json(folder / "catalog.json", push_throughput.catalog(folder, size))
        second = env.connect_seller(env.sandbox.shops()[1]["user_id"])
        sessions = [env.session, second]
        spec = planning.SourceSpec("file", str(path))
        options = planning.PlanOptions(ttl=timedelta(hours=2))
        plans = [planning.plan(env.settings, env.store, s, spec, options) for s in sessions]
        env.sandbox.clear_request_log()
        results: list[Any] = [None, None]

        def push(n: int) -> None:
            txn = plans[n].job.transaction_id
            results[n] = confirming.confirm(env.settings, env.store, sessions[n], txn)

        started = time.perf_counter()
        runs = [threading.Thread(target=push, args=(n,)) for n in range(2)]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
        wall = time.perf_counter() - started
        second.close()
        log = env.api_log()
        total = len(log)
        return {
            "shops": 2,
            "products_per_shop": size,
            "synced": [r.job.synced_count for r in results],
            "failed": [r.job.failed_count for r in results],
            "requests": total,
            "wall_seconds": round(wall, 2),
            "combined_rps": round(total / wall, 3),
            "share_of_limit": round(total / wall / limit, 3),
            "status_429": sum(1 for e in log if e["status"] == 429),
        }


def run() -> dict[str, Any]:
    result = measure()
    print(
        common.table(
            ["shops", "requests", "wall s", "combined rps", "rps/limit", "429s", "synced"],
            [
                [
                    result["shops"],
                    result["requests"],
                    result["wall_seconds"],
                    result["combined_rps"],
                    result["share_of_limit"],
                    result["status_429"],
                    "+".join(map(str, result["synced"])),
                ]
            ],
        )
    )
    problems = [
        msg
        for msg, bad in (
            (
                f"{result['share_of_limit']:.0%} of the limit (target >= 90%)",
                result["share_of_limit"] < 0.9,
            ),
            (f"{result['status_429']} 429s (target 0)", result["status_429"] > 0),
            (f"{sum(result['failed'])} products failed", sum(result["failed"])),
        )
        if bad
    ]
    result["problems"], result["ok"] = problems, not problems
    common.save("two_shops", {"limit_per_second": push_throughput.LIMIT, **result})
    if problems:
        print("MISSED: " + "; ".join(problems))
    return result


if __name__ == "__main__":
    run()
