"""Selection flags, status views and the demo, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from etsysync_cli.errors import ExitCode
from tests.pacing import FAST
from tests.sync.conftest import shop_listings
from tests.sync.test_sync_e2e import confirm, plan


def test_product_and_limit_select_what_is_planned(cli, connected, catalog) -> None:
    only = plan(cli, catalog, "--product", "prod_demo_mug", "--product", "bud-vase")
    assert sorted(i["product_id"] for i in only["items"]) == ["prod_demo_mug", "prod_demo_vase"]
    first = plan(cli, catalog, "--limit", "3")
    assert len(first["items"]) == 3
    assert "orphaned" not in first["counts"], "a partial plan must not call the rest orphans"


def test_status_views(cli, connected, catalog) -> None:
    staged = plan(cli, catalog)
    txn = staged["transaction_id"]
    assert confirm(cli, txn).exit_code == 0

    overview = cli("status")
    assert overview.exit_code == 0
    assert "11 synced" in overview.stdout
    assert txn in overview.stdout

    job = cli("status", txn)
    assert job.exit_code == 0
    assert "completed" in job.stdout
    assert "prod_demo_tee" in job.stdout

    # --watch on a finished job renders once and returns.
    watched = cli("status", txn, "--watch")
    assert watched.exit_code == 0

    product = cli("status", "--product", "prod_demo_tee")
    assert product.exit_code == 0
    assert "synced" in product.stdout
    assert "listing-editor/edit/" in product.stdout

    feed = json.loads(cli("status", "--feed", "--json").stdout)["events"]
    kinds = {e["kind"] for e in feed}
    assert {"job_planned", "job_started", "job_completed", "account_connected"} <= kinds

    data = json.loads(cli("status", txn, "--json").stdout)
    assert set(data) >= {
        "transaction_id",
        "status",
        "total_products",
        "synced_count",
        "failed_count",
        "error_log",
        "created_at",
        "expires_at",
        "started_at",
        "completed_at",
        "items",
    }
    assert set(data["items"][0]) >= {"product_id", "action", "title", "outcome", "listing_id"}

    missing = cli("status", "txn_nope")
    assert missing.exit_code == ExitCode.REFUSED


def test_demo_runs_the_whole_flow(cli, tmp_path: Path) -> None:
    home = tmp_path / "demo"
    result = cli("demo", "--home", str(home), "--latency-ms", "0", "--rps", str(FAST["rps"]))
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "1. Connect" in text and "2. Plan" in text and "3. Confirm" in text
    assert "11 synced, 0 failed, 1 not sent: invalid" in text  # the gift box
    assert "holds 11 listings" in text
    assert (home / "etsysync.db").exists()
    assert (home / "credentials.json").exists()
    assert f"etsysync sandbox serve --auto-approve --home {home}" in text


def test_shop_listing_count_matches_links(cli, connected, catalog) -> None:
    staged = plan(cli, catalog)
    assert confirm(cli, staged["transaction_id"]).exit_code == 0
    links = json.loads(cli("status", "--json").stdout)["links"]
    assert links["synced"] == len(shop_listings(connected))
