"""Benchmark 4: `status` and `status --json` with 100,000 links and 1,000 jobs.

The links and jobs are seeded with SQL into a connected account's store (97% synced, 1% each
pending, failed and out_of_sync; jobs completed or failed with a short error log). Timed two
ways: in-process (the Typer command through CliRunner, median of 7, imports excluded) and as
a subprocess (`python -m etsysync_cli status`, median of 5), next to the same subprocess running
`-c 'import etsysync_cli.cli.main'` (interpreter start and imports): on a small machine
nearly all of a subprocess's time is that start-up, the same for every command.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

try:
    from benchmarks import common
except ImportError:  # run as a script from benchmarks/
    import common  # type: ignore[no-redef]

LINKS = 100_000
JOBS = 1_000
STATUSES = ("synced",) * 97 + ("pending", "failed", "out_of_sync")


def seed(env: common.Env, links: int, jobs: int) -> None:
    account_id = env.session.account.id
    now = "2026-01-01T00:00:00Z"
    rows = []
    for i in range(links):
        status = STATUSES[i % len(STATUSES)]
        rows.append(
            (
                account_id,
                f"prod_{i:06d}",
                2_000_000 + i,
                f"https://www.etsy.com/listing/{2_000_000 + i}",
                status,
                now,
                "Etsy refused the price" if status == "failed" else None,
                json.dumps({"images": [], "listing_state": "active"}),
                now,
            )
        )
    job_rows = []
    for j in range(jobs):
        failed = j % 10 == 0
        errors = (
            [{"product_id": f"prod_{j:06d}", "title": "x", "error": "refused"}] if failed else []
        )
        job_rows.append(
            (
                f"txn_bench{j:07d}",
                account_id,
                "file:/tmp/catalog.jsonl",
                "failed" if failed else "completed",
                100,
                99 if failed else 100,
                1 if failed else 0,
                json.dumps(errors),
                json.dumps({"counts": {"update": 100}}),
                now,
                now,
            )
        )
    with env.store.atomic() as db:
        db.conn.executemany(
            "INSERT INTO product_links (account_id, product_id, etsy_listing_id, etsy_url, "
            "sync_status, last_synced_at, sync_error, metadata, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.conn.executemany(
            "INSERT INTO sync_jobs (transaction_id, account_id, source, status, total_products, "
            "synced_count, failed_count, error_log, options, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            job_rows,
        )


def in_process(env: common.Env, args: list[str], repeat: int = 7) -> float:
    from typer.testing import CliRunner

    from etsysync_cli.cli.main import app

    runner = CliRunner()
    environ = {"ETSYSYNC_HOME": str(env.home), "ETSYSYNC_INSECURE_STORAGE": "1"}
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = runner.invoke(app, args, env=environ)
        times.append(time.perf_counter() - started)
        if result.exit_code != 0:
            raise RuntimeError(f"status {args} failed: {result.output}")
    return statistics.median(times) * 1000


def subprocess_ms(env: common.Env, args: list[str], repeat: int = 5) -> float:
    """Median wall time of `python -m etsysync_cli ARGS`, or of `python ARGS` for args
    starting with "-c"."""
    environ = {**os.environ, "ETSYSYNC_HOME": str(env.home), "ETSYSYNC_INSECURE_STORAGE": "1"}
    command = (
        [sys.executable, *args]
        if args[0] == "-c"
        else [sys.executable, "-m", "etsysync_cli", *args]
    )
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(
            command,
            env=environ,
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


# Start-up goals (issue 17), as ratios to `python -c pass` of the same interpreter.
STARTUP_GOALS = {"--version": 8.0, "--help": 8.0, "status": 20.0}


def startup_ratios(env: common.Env, repeat: int = 15) -> dict[str, dict[str, float]]:
    """Each command of STARTUP_GOALS as a new process, paired run by run with `python -c pass`
    (A B A B …, so a drifting machine moves both): the median ratio and median milliseconds.
    Run as a user runs it, the `etsysync` script beside the interpreter, with bytecode caches
    written (a first, unmeasured run writes them)."""
    script = Path(sys.executable).with_name("etsysync")
    etsysync = [str(script)] if script.exists() else [sys.executable, "-m", "etsysync_cli"]
    environ = {**os.environ, "ETSYSYNC_HOME": str(env.home), "ETSYSYNC_INSECURE_STORAGE": "1"}
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    bare = [sys.executable, "-c", "pass"]

    def once(command: list[str]) -> float:
        started = time.perf_counter()
        subprocess.run(command, env=environ, check=True, capture_output=True)
        return time.perf_counter() - started

    found = {}
    for args in STARTUP_GOALS:
        command = [*etsysync, *args.split()]
        once(command), once(bare)  # warm: caches written, files in the page cache
        pairs = [(once(command), once(bare)) for _ in range(repeat)]
        found[args] = {
            "ratio": round(statistics.median(a / b for a, b in pairs), 1),
            "ms": round(statistics.median(a for a, _ in pairs) * 1000, 1),
            "bare_ms": round(statistics.median(b for _, b in pairs) * 1000, 1),
        }
    return found


def measure(links: int = LINKS, jobs: int = JOBS) -> dict[str, Any]:
    with common.environment(**common.UNPACED) as env:
        seed(env, links, jobs)
        # Interpreter start plus importing the CLI: what every command pays before working.
        startup = subprocess_ms(env, ["-c", "import etsysync_cli.cli.main"])
        bare = subprocess_ms(env, ["-c", "pass"])
        result: dict[str, Any] = {
            "links": links,
            "jobs": jobs,
            "startup_ms": round(startup, 1),
            "interpreter_only_ms": round(bare, 1),
        }
        for label, args in (("status", ["status"]), ("status --json", ["status", "--json"])):
            total = subprocess_ms(env, args)
            result[label] = {
                "in_process_ms": round(in_process(env, args), 1),
                "subprocess_ms": round(total, 1),
            }
        result["startup"] = startup_ratios(env)
    return result


def run() -> dict[str, Any]:
    result = measure()
    rows = [
        [
            label,
            result[label]["in_process_ms"],
            result[label]["subprocess_ms"],
            result["interpreter_only_ms"],
            result["startup_ms"],
        ]
        for label in ("status", "status --json")
    ]
    print(f"{result['links']:,} links, {result['jobs']:,} jobs")
    print(
        common.table(
            ["command", "in-process ms", "subprocess ms", "python -c pass ms", "import CLI ms"],
            rows,
        )
    )
    startup = result["startup"]
    print(
        common.table(
            ["new process", "x python -c pass", "ms", "python -c pass ms", "goal"],
            [
                [
                    f"etsysync {args}",
                    r["ratio"],
                    r["ms"],
                    r["bare_ms"],
                    f"<= {STARTUP_GOALS[args]}x",
                ]
                for args, r in startup.items()
            ],
        )
    )
    problems = [
        f"{label}: {result[label]['in_process_ms']} ms (target < 500 ms)"
        for label in ("status", "status --json")
        if result[label]["in_process_ms"] >= 500
    ]
    problems += [
        f"etsysync {args} starts in {r['ratio']}x python -c pass (goal <= {STARTUP_GOALS[args]}x)"
        for args, r in startup.items()
        if r["ratio"] > STARTUP_GOALS[args]
    ]
    result["problems"], result["ok"] = problems, not problems
    common.save("status_at_scale", result)
    if problems:
        print("MISSED: " + "; ".join(problems))
    return result


if __name__ == "__main__":
    run()
