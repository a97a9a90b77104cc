"""Run the benchmarks: `python benchmarks/run.py` (all) or `python benchmarks/run.py NAME...`.

Names: push (push throughput), baseline (a plain sequential httpx push beside ours), shops (two
shops of one app at once), changes (requests per change), plan (plan at scale), status (status
at scale). Each prints a small table and writes JSON to benchmarks/results/. A run of all of
them ends with the table of figures and writes it to docs/performance.md. The plan benchmark's
100,000-product run and the baseline take a few minutes each.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `benchmarks` as a package

from benchmarks import (
    baseline,
    common,
    plan_at_scale,
    push_throughput,
    requests_per_change,
    status_at_scale,
    two_shops,
)

Results = Mapping[str, dict[str, Any]]

BENCHMARKS: dict[str, tuple[str, Callable[[Results], dict[str, Any]]]] = {
    "push": ("1. Push throughput", lambda _: push_throughput.run()),
    "baseline": ("1b. Beside a plain sequential push", lambda r: baseline.run(r.get("push"))),
    "shops": ("1c. Two shops, one app", lambda _: two_shops.run()),
    "changes": ("2. Requests per change", lambda _: requests_per_change.run()),
    "plan": ("3. Plan at scale", lambda _: plan_at_scale.run()),
    "status": ("4. Status at scale", lambda _: status_at_scale.run()),
}

COMMAND = "python benchmarks/run.py"
PAGE = common.REPO_DIR / "docs" / "performance.md"
README = common.REPO_DIR / "README.md"
# README's Performance section: these rows of the page's table, as the page has them.
README_ROWS = (
    "push: wall time",
    "push: share of Etsy's limit",
    "push: 429s",
    "two shops at once: combined rate",
    "plan --json: 100,000 products",
)
README_SECTION = re.compile(r"(<!-- performance:start -->\n).*?(<!-- performance:end -->)", re.S)

# The figures of a whole run, in the order of the table (docs/performance.md has one row each).
FIGURES = (
    "push: wall time",
    "push: requests/second",
    "push: share of Etsy's limit",
    "push: requests per product",
    "push: 429s",
    "two shops at once: combined rate",
    "two shops at once: 429s",
    "requests per change (unchanged, price, image, variant)",
    "plan: 10,000 products",
    "plan: 100,000 products (first plan / re-plan, all unchanged)",
    "plan --json: 100,000 products",
    "status: 100,000 links",
    "start-up, x python -c pass: --version / --help / status (100,000 links)",
)


def figures(results: Results) -> list[tuple[str, str, str, str]]:
    """(figure, etsysync, baseline, ratio) for every name in FIGURES; '-' where not measured."""
    rows: dict[str, tuple[str, str, str]] = {}
    if "baseline" in results:
        b = results["baseline"]
        ours, base, ratio = b["ours"], b["baseline"], b["ratio"]
        rows["push: wall time"] = (
            f"{ours['wall_seconds']} s",
            f"{base['wall_seconds']} s",
            f"{ratio['wall_time']}x faster",
        )
        rows["push: requests/second"] = (
            f"{ours['achieved_rps']}",
            f"{base['achieved_rps']}",
            f"{ratio['requests_per_second']}x",
        )
        rows["push: share of Etsy's limit"] = (
            f"{ours['achieved_rps'] / b['limit_per_second']:.1%}",
            f"{base['share_of_limit']:.1%}",
            "",
        )
        rows["push: requests per product"] = (
            f"{ours['requests_per_product']}",
            f"{base['requests_per_product']}",
            f"{ratio['requests_per_product']}x",
        )
        rows["push: 429s"] = (str(ours["status_429"]), str(base["status_429"]), "")
    if "shops" in results:
        s = results["shops"]
        rows["two shops at once: combined rate"] = (
            f"{s['combined_rps']}/s ({s['share_of_limit']:.1%} of the app's limit)",
            "",
            "",
        )
        rows["two shops at once: 429s"] = (str(s["status_429"]), "", "")
    if "changes" in results:
        refresh = sum(requests_per_change.REFRESH.values())
        steps = results["changes"]["steps"]
        counts = [sum(steps[name].values()) - refresh for name in requests_per_change.EXPECTED]
        rows["requests per change (unchanged, price, image, variant)"] = (
            " / ".join(map(str, counts)) + f" (+{refresh} to read Etsy's side)",
            "",
            "",
        )
    if "plan" in results:
        for run in results["plan"].get("runs", []):
            if run.get("products") == 10_000:
                first = run["first_plan"]
                rows["plan: 10,000 products"] = (
                    f"{first['seconds']} s, peak {first['peak_rss_mb']} MB",
                    "",
                    "",
                )
        for run in results["plan"].get("runs", []):
            if run.get("products") == 100_000:
                first, again = run["first_plan"], run["replan_with_links"]
                rows["plan: 100,000 products (first plan / re-plan, all unchanged)"] = (
                    f"{first['seconds']} s, peak {first['peak_rss_mb']} MB / "
                    f"{again['seconds']} s, peak {again['peak_rss_mb']} MB",
                    "",
                    "",
                )
                cli, ten = run["plan_json_cli"], results["plan"]["runs"][0]["plan_json_cli"]
                rows["plan --json: 100,000 products"] = (
                    f"{cli['seconds']} s, peak {cli['peak_rss_mb']} MB "
                    f"({cli['seconds'] / ten['seconds']:.1f}x the 10,000 time)",
                    "",
                    "",
                )
    if "status" in results and "startup" in results["status"]:
        startup = results["status"]["startup"]
        rows["start-up, x python -c pass: --version / --help / status (100,000 links)"] = (
            " / ".join(f"{startup[a]['ratio']}x" for a in ("--version", "--help", "status")),
            "",
            "",
        )
    if "status" in results:
        status = results["status"].get("status", {})
        rows["status: 100,000 links"] = (
            f"{status.get('in_process_ms', '-')} ms in-process, "
            f"{status.get('subprocess_ms', '-')} ms as a command",
            "",
            "",
        )
    return [(name, *rows.get(name, ("-", "", ""))) for name in FIGURES]


def page(results: Results, machine: Mapping[str, Any], date: str) -> str:
    """docs/performance.md: the figures of one whole run."""
    push = results.get("push", {})
    table = figures(results)
    lines = [
        "# Performance",
        "",
        "Written by `python benchmarks/run.py` from one run of every benchmark on this machine;",
        "the JSON of each is in `benchmarks/results/`. The push runs against the local sandbox",
        f"at Etsy's {push.get('limit_per_second', push_throughput.LIMIT)} requests/second with "
        f"{push_throughput.JITTER_MS[0]}-{push_throughput.JITTER_MS[1]} ms of latency per "
        f"request, on a catalog of {push_throughput.PRODUCTS} products (2-4 images each, every "
        "third with 2x3 variants, every third published active). The baseline is what a user "
        "would write with httpx: one request after another, retrying a 429 after `retry-after` "
        "(`benchmarks/baseline.py`), on the same catalog, sandbox limits and latency, in the same "
        "run.",
        "",
        f"- Date: {date}",
        f"- Machine: {machine['nproc']} CPUs, {machine['cpu']}, Python {machine['python']}, "
        f"{machine['platform']}",
        f"- To reproduce: `{COMMAND}` (about 20 minutes here; `{COMMAND} push baseline shops` for "
        "the push figures alone)",
        "",
        "## Figures",
        "",
        "| figure | etsysync | baseline | ratio |",
        "|---|---|---|---|",
        *(f"| {name} | {ours} | {base} | {ratio} |" for name, ours, base, ratio in table),
        "",
        "## Where a plan's time goes",
        "",
        *plan_profile(),
        "",
    ]
    return "\n".join(lines)


def plan_profile() -> list[str]:
    """The profile written down in benchmarks/plan_at_scale.py, as the page shows it."""
    doc = plan_at_scale.__doc__ or ""
    text = doc[doc.index("Where a first plan's time goes") :].strip()
    return textwrap.dedent(text).splitlines()


def readme_section(page_text: str) -> str:
    """README's Performance table: the header and README_ROWS of docs/performance.md's table,
    line for line, and the run's date."""
    lines = page_text.splitlines()
    table = [line for line in lines if line.startswith("|")]
    rows = {line.split(" | ")[0].removeprefix("| "): line for line in table[2:]}
    date = next(line for line in lines if line.startswith("- Date: ")).removeprefix("- Date: ")
    return "\n".join([*table[:2], *(rows[name] for name in README_ROWS), "", f"Measured {date}."])


def write_readme_section(page_text: str) -> None:
    text = README.read_text(encoding="utf-8")
    section = readme_section(page_text)
    README.write_text(README_SECTION.sub(lambda m: f"{m[1]}{section}\n{m[2]}", text), "utf-8")


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
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        title, run = BENCHMARKS[name]
        print(f"\n== {title} ==")
        started = time.perf_counter()
        results[name] = run(results)
        failed = failed or results[name].get("ok") is False
        print(f"({time.perf_counter() - started:.0f} s)")
    print("\n== Figures ==")
    print(common.table(["figure", "etsysync", "baseline", "ratio"], figures(results)))
    print(f"\nResults in {common.RESULTS_DIR}")
    if set(names) == set(BENCHMARKS):
        PAGE.write_text(page(results, m, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())))
        write_readme_section(PAGE.read_text(encoding="utf-8"))
        print(f"Figures in {PAGE} and README.md")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
