"""What the live Etsy API does that its spec does not say (etsy-api.md §10), met by the real
CLI against the sandbox: the client copes instead of failing product by product."""

from __future__ import annotations

import json
import threading
from typing import Any

from etsysync_cli.errors import ExitCode
from tests.faults.conftest import assert_synced_exactly_once, job_row, plan
from tests.sync.conftest import Catalog


def test_an_api_key_etsy_stops_honouring_stops_the_push_with_the_key_hint(
    cli, connected, small_catalog: Catalog, db, monkeypatch
) -> None:
    """§10.4 (open-api#498): a key Etsy no longer honours answers 400 "Invalid API key". That
    is the whole run's credentials, not one product's data: the push stops at once with the
    key hint, fails no product, and resumes once the key works again."""
    monkeypatch.setenv("ETSYSYNC_SYNC_CONCURRENCY", "2")
    staged = plan(cli, small_catalog)
    txn = staged["transaction_id"]
    disowned = threading.Event()

    def disown_after_first_create(entry: dict[str, Any]) -> None:
        if entry["operation"] == "createDraftListing" and not disowned.is_set():
            disowned.set()
            connected.disown_api_key()

    connected.app.on_request = disown_after_first_create
    before = len(connected.request_log())
    try:
        first = cli("confirm", txn, "--yes")
    finally:
        connected.app.on_request = None

    assert disowned.is_set()
    assert first.exit_code == ExitCode.AUTH_NEEDED, first.stderr
    assert "Invalid API key" in first.stderr
    assert "keystring and shared secret" in first.stderr  # the key hint, not "log in"
    assert f"etsysync confirm {txn}" in first.stderr
    assert "Traceback" not in first.stderr
    refused = [e for e in connected.request_log()[before:] if e["status"] == 400]
    assert 1 <= len(refused) <= 2  # one per worker at most, never one per product
    job = job_row(db, txn)
    assert job["status"] == "paused"
    assert job["failed_count"] == 0

    connected.disown_api_key(False)
    second = cli("confirm", txn, "--yes", "--json")

    assert second.exit_code == 0, second.stderr
    assert json.loads(second.stdout)["status"] == "completed"
    assert_synced_exactly_once(connected, db, txn)
