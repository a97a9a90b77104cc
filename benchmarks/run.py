"""Run the benchmarks: `python benchmarks/run.py` (all four) or `python benchmarks/run.py NAME...`.

Names: push (push throughput), changes (requests per change), plan (plan at scale), status
(status at scale). Each prints a small table and writes JSON to benchmarks/results/.
The plan benchmark's 100,000-product run takes a few minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `benchmarks` as a package

from benchmarks import (
    common,
    plan_at_scale,
    push_throughput,
    requests_per_change,
    status_at_scale,
)

BENCHMARKS: dict[str, tuple[str, Callable[[], dict[str, Any]]]] = {
    "push": ("1. Push throughput", push_throughput.run),
    "changes": ("2. Requests per change", requests_per_change.run),
    "plan": ("3. Plan at scale", plan_at_scale.run),
    "status": ("4. Status at scale", status_at_scale.run),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    m = common.machine()
    print(f"Machine: {m['nproc']} CPUs, {m['cpu']}, Python {m['python']}")
    failed = False
    for name in names:
        title, run = BENCHMARKS[name]
        print(f"\n== {title} ==")
        started = time.perf_counter()
        result = run()
        failed = failed or result.get("ok") is False
        print(f"({time.perf_counter() - started:.0f} s)")
    print(f"\nResults in {common.RESULTS_DIR}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
