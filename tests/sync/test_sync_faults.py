"""Rate limits and server errors survived; selection flags; the demo; status views."""

from __future__ import annotations

import json

import pytest

from etsysync_cli.sandbox import SandboxConfig
from tests.pacing import fast_config
from tests.sync.conftest import shop_listings
from tests.sync.test_sync_e2e import VALID, confirm, plan


@pytest.fixture
def sandbox_config(callback_port: int) -> SandboxConfig:
    # A stormy Etsy: 5 requests/s (so bursts of 4 workers hit 429s) and 20% 500/503s.
    return fast_config(
        rps=5,
        fail_rate=0.2,
        seed=7,
        redirect_uris=[f"http://localhost:{callback_port}/callback"],
    )


def test_429_and_5xx_storms_end_with_every_product_synced_once(cli, connected, catalog) -> None:
    staged = plan(cli, catalog)
    result = confirm(cli, staged["transaction_id"], "--json")
    assert result.exit_code == 0, result.stdout
    job = json.loads(result.stdout)
    assert (job["synced_count"], job["failed_count"]) == (VALID, 0)
    listings = shop_listings(connected)
    titles = [x["title"] for x in listings]
    assert len(titles) == VALID == len(set(titles)), "a product was listed twice"
    statuses = [e["status"] for e in connected.request_log()]
    assert any(s >= 500 for s in statuses), "the storm did not happen"
