"""The baseline push works, and docs/performance.md shows the figures run.py prints.

The page is written by `python benchmarks/run.py` from a whole run; here: it has the date, the
machine, the command to reproduce and one row per figure, in run.py's order, and run.py's page
writer produces exactly those rows. The baseline is run small, at the tests' FAST limits.
"""

from __future__ import annotations

import re

from benchmarks import baseline, run
from tests.pacing import FAST


def test_the_baseline_pushes_the_catalog_one_request_after_another() -> None:
    result = baseline.measure(size=3, jitter_ms=None, **FAST)

    # Per product one create, its images (2, 3, 4), one inventory PUT; the active one (the
    # third) published; plus the three reads of the shop's profiles once.
    kinds = result["per_product"]
    assert (kinds["create"], kinds["image"], kinds["inventory"], kinds["patch"]) == (1, 3, 1, 0.33)
    assert result["requests"] == 3 + 3 * 2 + 9 + 1
    assert result["status_429"] == 0


def test_the_performance_page_has_every_figure_of_a_run() -> None:
    text = run.PAGE.read_text(encoding="utf-8")
    assert text.startswith("# Performance\n")
    assert re.search(r"^- Date: \d{4}-\d\d-\d\d \d\d:\d\d UTC$", text, re.M)
    assert re.search(r"^- Machine: \d+ CPUs, .+, Python 3\.", text, re.M)
    assert f"`{run.COMMAND}`" in text
    rows = re.findall(r"^\| ([^|]+?) \|", text, re.M)
    assert rows[0] == "figure"
    assert tuple(rows[1:]) == run.FIGURES
    # What the writer makes of any run: the same rows, '-' for what was not measured.
    machine = {"nproc": 2, "cpu": "cpu", "python": "3.11", "platform": "linux"}
    written = run.page({}, machine, "2026-01-01 00:00 UTC")
    assert tuple(re.findall(r"^\| ([^|]+?) \|", written, re.M)[1:]) == run.FIGURES


def test_readme_shows_the_pages_headline_figures() -> None:
    # README's Performance table is cut from the page's, row for row (run.py writes both).
    readme = run.README.read_text(encoding="utf-8")
    section = run.README_SECTION.search(readme)
    assert section, "README.md has no <!-- performance:start/end --> section"
    page = run.PAGE.read_text(encoding="utf-8")
    assert section.group(0) == (
        "<!-- performance:start -->\n" + run.readme_section(page) + "\n<!-- performance:end -->"
    )
    assert "| push: wall time |" in section.group(0) and "baseline" in section.group(0)
