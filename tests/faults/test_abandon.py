"""No job can wedge a shop (issue 12, point 5): a run that started and cannot go on is given up
with `cancel TXN --abandon`, its links left true to what Etsy holds, and the next plan takes up
the products it did not finish, each listed exactly once."""

from __future__ import annotations

import json

import pytest

from etsysync_cli.errors import ExitCode
from tests.faults.conftest import (
    assert_links_synced,
    etsysync_process,
    identity,
    job_row,
    plan,
)
from tests.faults.test_kill_resume import Trigger, kill, wait_for
from tests.sync.conftest import shop_listings


def killed_run(cli, sandbox, catalog, operation: str, nth: int, carry_out: bool) -> str:
    """A confirm of the catalog killed -9 at the `nth` `operation`: a run left `processing`."""
    txn = plan(cli, catalog)["transaction_id"]
    trigger = Trigger(sandbox, operation, nth, carry_out)
    process = etsysync_process(
        "confirm", txn, "--yes", "--quiet", env={"ETSYSYNC_SYNC_CONCURRENCY": "1"}
    )
    try:
        wait_for(trigger.arrived.is_set, process, f"{operation} #{nth}")
        kill(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        trigger.release()
    return txn


@pytest.mark.parametrize(
    ("operation", "nth", "carry_out"),
    [
        ("uploadListingImage", 2, False),  # the second listing made, its images not
        ("createDraftListing", 2, True),  # the second create reached Etsy, never recorded
    ],
    ids=["listing-made", "create-uncertain"],
)
def test_an_abandoned_run_is_taken_up_by_the_next_plan(
    cli, file_login, small_catalog, db, operation, nth, carry_out
) -> None:
    sandbox = file_login
    txn = killed_run(cli, sandbox, small_catalog, operation, nth, carry_out)
    assert job_row(db, txn)["status"] == "processing"

    refused = cli("cancel", txn)
    assert refused.exit_code == ExitCode.REFUSED
    assert f"etsysync cancel {txn} --abandon" in refused.stderr

    abandoned = cli("cancel", txn, "--abandon")
    assert abandoned.exit_code == 0, abandoned.stderr
    assert "taken up by the next `etsysync plan`" in abandoned.stderr
    assert job_row(db, txn)["status"] == "cancelled"
    statuses = {r["product_id"]: r["sync_status"] for r in db("SELECT * FROM product_links")}
    assert "pending" not in statuses.values()  # nothing left in flight
    second = db("SELECT * FROM product_links WHERE sync_status = 'failed'")
    assert len(second) == 1 and "abandoned" in second[0]["sync_error"]
    assert again_refused(cli, txn)

    staged = plan(cli, small_catalog)
    result = cli("confirm", staged["transaction_id"], "--yes", "--json")
    assert result.exit_code == 0, result.stderr
    listings = shop_listings(sandbox)
    assert len(listings) == 4, [x["title"] for x in listings]  # no duplicate, no stray
    held = {identity(p["sku"] for p in x["inventory"]["products"]) for x in listings}
    assert len(held) == 4 and "" not in held  # each product's own listing, inventory sent
    assert_links_synced(db, {int(x["listing_id"]) for x in listings})


def again_refused(cli, txn: str) -> bool:
    result = cli("confirm", txn, "--yes")
    return result.exit_code == ExitCode.REFUSED and "cancelled" in result.stderr


def test_a_run_still_pushing_is_never_abandoned_from_under_it(cli, file_login, small_catalog, db):
    sandbox = file_login
    txn = plan(cli, small_catalog)["transaction_id"]
    trigger = Trigger(sandbox, "createDraftListing", 1, carry_out=True)
    process = etsysync_process("confirm", txn, "--yes", "--quiet")
    try:
        wait_for(trigger.arrived.is_set, process, "the first create")
        result = cli("cancel", txn, "--abandon")
        assert result.exit_code == ExitCode.LOCKED
        assert f"etsysync confirm {txn}" in result.stderr  # names the holder
    finally:
        trigger.release()
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert json.loads(cli("status", txn, "--json").stdout)["status"] == "completed"


def test_only_a_started_run_can_be_abandoned(cli, file_login, small_catalog) -> None:
    txn = plan(cli, small_catalog)["transaction_id"]
    result = cli("cancel", txn, "--abandon")
    assert result.exit_code == ExitCode.REFUSED
    assert f"`etsysync cancel {txn}`" in result.stderr
