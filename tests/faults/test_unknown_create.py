"""A create whose fate stays unknown is never made twice (issue 7: "never create a second listing
for the same product"; etsy-api.md §8 gotcha 7).

Etsy made the listing but answered 500, and the look for it failed too: the product fails in
this job. Whatever runs next for that product (`retry`, a new `plan`) must look for that
listing before creating one.
"""

from __future__ import annotations

import json

from etsysync_cli.errors import ExitCode
from tests.faults.conftest import assert_synced_exactly_once, plan
from tests.sync.conftest import Catalog, shop_listings


def test_retry_adopts_the_listing_of_a_create_that_answered_500(
    cli, connected, db, tmp_path
) -> None:
    catalog = Catalog(tmp_path / "one")
    for product in catalog.products():
        if product["id"] != "prod_demo_mug":
            catalog.remove(product["id"])
    staged = plan(cli, catalog)
    before = len(connected.request_log())
    connected.set_fail_next(1, 500, after=True)  # the create happens, the answer is a 500
    # Then the look for it fails too (a 404 is not retried, which keeps the test short; six
    # 503s would do the same after the client's backoff).
    connected.set_fail_next(1, 404)

    first = cli("confirm", staged["transaction_id"], "--yes", "--json")

    assert first.exit_code == ExitCode.PARTIAL, first.stderr
    ops = [(e["operation"], e["status"]) for e in connected.request_log()[before:]]
    assert ops[:2] == [("createDraftListing", 500), ("getListingsByShop", 404)]
    assert len(shop_listings(connected)) == 1  # made on Etsy, unknown to etsysync

    retried = cli("retry", staged["transaction_id"], "--json")
    assert retried.exit_code == 0, retried.stderr
    again = json.loads(retried.stdout)
    second = cli("confirm", again["transaction_id"], "--yes", "--json")

    assert second.exit_code == 0, second.stderr
    assert_synced_exactly_once(connected, db, again["transaction_id"])
