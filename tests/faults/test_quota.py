"""A daily quota that runs out half-way (issue 7, "Done when"): exit 75, the job paused and
resumable, and a second run after the quota comes back finishes it without duplicates."""

from __future__ import annotations

import json
import re

from etsysync_cli.errors import ExitCode
from tests.faults.conftest import assert_synced_exactly_once, job_row, plan

BUDGET = 7  # requests left today when confirm starts: about half of what the push needs


def test_quota_spent_half_way_pauses_then_a_second_run_finishes(
    cli, connected, small_catalog, db, monkeypatch
) -> None:
    monkeypatch.setenv("ETSYSYNC_SYNC_CONCURRENCY", "4")
    staged = plan(cli, small_catalog)
    txn = staged["transaction_id"]
    assert staged["estimated_requests"] > 2 * BUDGET
    connected.reset_quota(rpd=BUDGET)
    before = len(connected.request_log())

    first = cli("confirm", txn, "--yes")

    assert first.exit_code == ExitCode.QUOTA == 75, first.stderr
    assert "quota" in first.stderr.lower()
    assert f"etsysync confirm {txn}" in first.stderr  # how to continue
    assert re.search(r"within 24 h|in about [\d.]+ h", first.stderr)  # and when
    assert "Traceback" not in first.stderr
    job = job_row(db, txn)
    assert job["status"] == "paused"
    assert job["failed_count"] == 0 and job["synced_count"] < 4
    sent = connected.request_log()[before:]
    refused = [e for e in sent if e["status"] == 429]
    # Etsy said x-remaining-today 0 on the last allowed request: nothing new was started after
    # it; only requests already on their way (at most one per other worker) met a 429.
    assert len(sent) - len(refused) == BUDGET
    assert len(refused) <= 3
    status = json.loads(cli("status", txn, "--json").stdout)
    assert status["status"] == "paused"

    connected.reset_quota(rpd=1000)  # a new day
    second = cli("confirm", txn, "--yes", "--json")

    assert second.exit_code == 0, second.stderr
    assert_synced_exactly_once(connected, db, txn)
