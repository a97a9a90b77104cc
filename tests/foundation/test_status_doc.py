"""docs/status.md cannot drift from the code: it describes every job state (its command lines
are checked with every page's, in test_docs.py)."""

from __future__ import annotations

import re
from pathlib import Path

from etsysync_cli.domain.statuses import JobStatus

PAGE = Path(__file__).parents[2] / "docs" / "status.md"


def test_every_job_state_is_described() -> None:
    text = PAGE.read_text()
    states = set(re.findall(r"^\| `([a-z_]+)` \|", text, re.MULTILINE))
    assert states == {str(s) for s in JobStatus}
