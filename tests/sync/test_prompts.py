"""A declined or Ctrl-C'd prompt says the plan stays staged, until when, and how to push it
later, not only "Aborted." (issue 16, point 15). The exit code stays 1, as before."""

from __future__ import annotations

import json
import re

import pytest

from etsysync_cli.errors import ExitCode
from tests.sync.conftest import shop_listings
from tests.sync.test_sync_e2e import confirm, plan


@pytest.fixture
def at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from etsysync_cli.cli import common

    monkeypatch.setattr(common, "interactive", lambda: True)


def staged_note(txn: str, expires_at: str) -> str:
    hh_mm = expires_at[11:16]  # ISO 8601 in UTC: 2026-12-01T03:00:00Z
    return (
        f"Not pushed: plan {txn} stays staged until {hh_mm} UTC; push it before then with "
        f"`etsysync confirm {txn}`."
    )


# "n" is a no; no input at all is what click sees on Ctrl-C or end of input (both Abort).
@pytest.mark.parametrize("answer", ["n\n", ""])
def test_declined_confirm_says_the_plan_stays_staged(
    cli, connected, catalog, at_a_terminal, answer
) -> None:
    staged = plan(cli, catalog)
    txn = staged["transaction_id"]
    declined = cli("confirm", txn, input=answer)
    assert declined.exit_code == ExitCode.FAILURE, declined.stderr
    assert "Push 11 listing(s)" in declined.stdout
    assert staged_note(txn, staged["expires_at"]) in " ".join(declined.stderr.split())
    assert "Aborted" not in declined.stdout + declined.stderr
    assert shop_listings(connected) == []
    # It did stay staged: confirming it later pushes it.
    assert confirm(cli, txn).exit_code == 0


def test_declined_sync_says_the_plan_stays_staged(cli, connected, catalog, at_a_terminal) -> None:
    declined = cli("sync", "--source", "file", str(catalog.path), input="n\n")
    assert declined.exit_code == ExitCode.FAILURE, declined.stderr
    assert "Push 11 listing(s)" in declined.stdout
    said = " ".join(declined.stderr.split())
    txn = re.search(r"Not pushed: plan (txn_\w+)", said)
    assert txn, said
    job = json.loads(cli("status", txn[1], "--json").stdout)
    assert staged_note(txn[1], job["expires_at"]) in said
    assert "Aborted" not in declined.stdout + declined.stderr
    assert shop_listings(connected) == []
    assert confirm(cli, txn[1]).exit_code == 0
    assert len(shop_listings(connected)) == 11
