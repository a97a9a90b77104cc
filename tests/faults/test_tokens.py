"""Tokens during a long job (issue 7, "Done when"): access tokens that expire every 2 seconds
are refreshed once each, across all workers, each refresh token used once; a refresh token
revoked mid-run stops the job cleanly (exit 4, resumable) until `auth login`, after which
`confirm` finishes it without duplicates."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from etsysync_cli.errors import ExitCode
from etsysync_cli.sandbox import SandboxConfig
from tests.faults.conftest import assert_synced_exactly_once, job_row, plan
from tests.pacing import fast_config
from tests.sync.conftest import Catalog


@pytest.fixture
def sandbox_config(callback_port: int) -> SandboxConfig:
    return fast_config(token_ttl=2, redirect_uris=[f"http://localhost:{callback_port}/callback"])


def token_requests(sandbox: Any, since: int = 0) -> list[dict[str, Any]]:
    return [e for e in sandbox.request_log()[since:] if e["operation"] == "token"]


def test_tokens_expiring_every_2_seconds_are_each_refreshed_once(
    cli, connected, catalog: Catalog, db, monkeypatch
) -> None:
    monkeypatch.setenv("ETSYSYNC_SYNC_CONCURRENCY", "4")
    staged = plan(cli, catalog)
    before = len(connected.request_log())
    rotated_before = connected.state.token_counts()["refreshed"]
    # Every request now takes 150 ms, so the push of the catalog spans several lifetimes.
    connected.config.latency_ms = 150

    result = cli("confirm", staged["transaction_id"], "--yes", "--json")

    assert result.exit_code == 0, result.stderr
    assert_synced_exactly_once(connected, db, staged["transaction_id"])
    log = connected.request_log()[before:]
    seconds = log[-1]["time"] - log[0]["time"]
    refreshes = token_requests(connected, before)
    # One refresh at most per half-life, whatever the number of workers, and each one used a
    # refresh token that had not been used before: no invalid_grant.
    assert [e["status"] for e in refreshes] == [200] * len(refreshes)
    assert len(refreshes) >= 3, "the push was too short to see the tokens expire"
    assert len(refreshes) <= seconds + 2
    counts = connected.state.token_counts()
    assert counts["refreshed"] - rotated_before == len(refreshes)
    assert counts["refresh_tokens_active"] == 1
    # The refresh token kept in the keyring is that live one (each was stored before use).
    connected.expire_access_tokens()
    check = cli("auth", "status", "--check", "--json")
    assert check.exit_code == 0, check.stderr
    assert json.loads(check.stdout)["accounts"][0]["check"]["ok"] is True


def test_refresh_token_revoked_mid_run_stops_cleanly_then_resumes_after_login(
    cli, connected, small_catalog: Catalog, db, monkeypatch
) -> None:
    monkeypatch.setenv("ETSYSYNC_SYNC_CONCURRENCY", "2")
    staged = plan(cli, small_catalog)
    txn = staged["transaction_id"]
    revoked = threading.Event()

    def revoke_after_first_create(entry: dict[str, Any]) -> None:
        # A password change on Etsy: every refresh token is revoked. The access token in use
        # expires at once, so the very next request needs a refresh.
        if entry["operation"] == "createDraftListing" and not revoked.is_set():
            revoked.set()
            connected.revoke_refresh_tokens()
            connected.expire_access_tokens()

    connected.app.on_request = revoke_after_first_create
    try:
        first = cli("confirm", txn, "--yes")
    finally:
        connected.app.on_request = None

    assert revoked.is_set()
    assert first.exit_code == ExitCode.AUTH_NEEDED == 4, first.stderr
    assert "etsysync auth login" in first.stderr
    assert f"etsysync confirm {txn}" in first.stderr
    assert "Traceback" not in first.stderr
    job = job_row(db, txn)
    assert job["status"] == "paused"
    assert job["failed_count"] == 0 and job["synced_count"] < 4

    login = cli("auth", "login", "--timeout", "20")
    assert login.exit_code == 0, login.stderr
    second = cli("confirm", txn, "--yes", "--json")

    assert second.exit_code == 0, second.stderr
    assert json.loads(second.stdout)["status"] == "completed"
    assert_synced_exactly_once(connected, db, txn)
