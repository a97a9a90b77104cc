"""Every exchange of a representative run is valid against Etsy's OpenAPI document
(etsy-oas.json, with the corrections of etsy-api.md §9 and §10 in oas_spec.py).

The run goes through the real CLI against the in-process sandbox, as a seller would: login,
the shop, the taxonomy, a first push of the sample catalog (images, variants), edits (price,
title, image, a new variant), a listing deleted on Etsy, a product Etsy refuses, an expired
token, a deactivation, an adoption of listings made elsewhere. Then a few error answers are
drawn on purpose (400, 401, 403, 404, 409, 429). The failure message lists each violation
with its exchange, so a re-run after a change says exactly what to fix.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from etsysync_cli.errors import ExitCode
from etsysync_cli.sandbox import SELLER_SHOP_ID, sample_png
from etsysync_cli.sandbox.seed import SHIPPING_PROFILE_ID
from tests.adopt.conftest import Seller
from tests.conformance.oas_check import Exchange, check_all, report
from tests.conformance.oas_spec import EtsyOas
from tests.conformance.recorder import Recorder
from tests.faults.conftest import simple_product
from tests.sync.conftest import (
    EXPRESS_PROFILE_ID,
    add_shipping_profile,
    delete_shipping_profile,
)

API = "/v3/application"


def operations(oas: EtsyOas, exchanges: list[Exchange]) -> set[str]:
    found = (oas.match(e.method, e.path) for e in exchanges)
    return {op.operation_id for op in found if op is not None}


def statuses(exchanges: list[Exchange]) -> set[int]:
    return {e.status for e in exchanges if e.path.startswith(API)}


def assert_conforms(oas: EtsyOas, exchanges: list[Exchange], **kwargs: Any) -> None:
    violations = check_all(oas, exchanges, **kwargs)
    assert not violations, report(violations)


def plan(cli: Any, catalog: Any, *args: str) -> dict[str, Any]:
    result = cli("plan", "--source", "file", str(catalog.path), "--json", *args)
    assert result.exit_code in (0, 2), result.stderr
    return json.loads(result.stdout)


def push(cli: Any, catalog: Any, *args: str) -> int:
    staged = plan(cli, catalog, *args)
    result = cli("confirm", staged["transaction_id"], "--yes")
    assert "Traceback" not in result.stderr
    return int(result.exit_code)


def listing_id_of(cli: Any, product_id: str) -> int:
    result = cli("status", "--product", product_id, "--json")
    assert result.exit_code == 0, result.stderr
    return int(json.loads(result.stdout)["etsy_listing_id"])


def test_a_sellers_run_through_the_cli_conforms(
    cli, recorder: Recorder, connected, catalog, oas: EtsyOas, monkeypatch
) -> None:
    # A second shipping profile, which the seller deletes on Etsy in the middle of a push.
    add_shipping_profile(connected)
    monkeypatch.setenv("ETSYSYNC_LISTING_SHIPPING_PROFILE_ID", str(SHIPPING_PROFILE_ID))
    assert cli("shop").exit_code == 0
    assert cli("taxonomy", "search", "mug", "--refresh").exit_code == 0

    # A first push: 11 products with images and variants (the 12th is invalid, never sent).
    assert push(cli, catalog) == 0

    # Edits: a price (inventory), a title (updateListing), an image, a new variant.
    catalog.edit("prod_demo_mug", lambda p: p["variants"][0]["prices"][0].update(amount=31))
    catalog.edit("prod_demo_board", lambda p: p.update(title="Walnut Serving Board, oiled"))
    new_image = catalog.path.parent / "images" / "mug-new.png"
    new_image.write_bytes(sample_png(48, 48, (10, 200, 10)))
    catalog.edit("prod_demo_mug", lambda p: p["images"].__setitem__(0, "images/mug-new.png"))

    def add_size(product: dict[str, Any]) -> None:
        product["options"][0]["values"].append("XL")
        product["variants"].append(
            {
                "sku": "TEE-XL-IND",
                "options": {"Size": "XL", "Color": "Indigo"},
                "prices": [{"amount": 44, "currency_code": "usd"}],
                "inventory_quantity": 2,
                "manage_inventory": True,
            }
        )

    catalog.edit("prod_demo_tee", add_size)
    # A listing deleted on Etsy meanwhile (404, then created again), and a product Etsy
    # refuses (400: its shipping profile was deleted on Etsy after the plan).
    vase_id = listing_id_of(cli, "prod_demo_vase")
    with connected.state.lock:
        del connected.state.listings[vase_id]
    catalog.edit("prod_demo_vase", lambda p: p["variants"][0]["prices"][0].update(amount=23))
    express = {"etsy_shipping_profile_id": EXPRESS_PROFILE_ID}
    catalog.edit("prod_demo_bowl", lambda p: p["metadata"].update(express))
    staged = plan(cli, catalog)
    delete_shipping_profile(connected)
    # The access token expires: a 401, a refresh, the same request again.
    connected.expire_access_tokens()
    pushed = cli("confirm", staged["transaction_id"], "--yes")
    assert pushed.exit_code != 0  # the bowl failed; everything else went through

    # A product that left the source is deactivated (--prune), never deleted. The listings
    # are drafts (listing.state's default), which Etsy refuses to deactivate: that item fails
    # (issue 16), the bowl goes through.
    catalog.edit("prod_demo_bowl", lambda p: p["metadata"].pop("etsy_shipping_profile_id"))
    catalog.remove("prod_demo_towel")
    assert push(cli, catalog, "--prune") == ExitCode.PARTIAL

    # Listings made elsewhere (through the client library, so its requests are checked too)
    # are adopted: one by SKU, one by title.
    seller = Seller(connected, catalog)
    try:
        seller.listing("Hand-knitted Scarf", sku="SCF-01", price="45.00", state="active")
        seller.listing("Felted Wool Coasters", price="16.00", state="inactive")
    finally:
        seller.client.close()
    scarf = simple_product("prod_scarf", "Hand-knitted Scarf", "SCF-01", price=45)
    coasters = simple_product("prod_coasters", "Felted Wool Coasters", "CST-01", price=16)
    catalog.path.write_text(json.dumps({"products": [*catalog.products(), scarf, coasters]}))
    adopted = cli("adopt", "--source", "file", str(catalog.path), "--yes")
    assert adopted.exit_code == 0, adopted.stderr

    exchanges = recorder.exchanges
    assert_conforms(oas, exchanges)
    # What the run must have exercised, so that a quieter client cannot pass by sending less.
    seen = operations(oas, exchanges)
    assert {
        "getMe",
        "getShop",
        "getShopShippingProfiles",
        "getShopReturnPolicies",
        "getShopReadinessStateDefinitions",
        "getShopProductionPartners",
        "getSellerTaxonomyNodes",
        "createDraftListing",
        "uploadListingImage",
        # Images are removed and ordered with updateListing's image_ids (etsy-api.md §10.11),
        # so deleteListingImage is sent only at the 20-image cap.
        "updateListingInventory",
        "updateListing",
        "getListingsByShop",
    } <= seen, sorted(seen)
    assert {200, 201, 400, 401, 404} <= statuses(exchanges)


# --- errors drawn on purpose ----------------------------------------------------------------


@pytest.fixture
def etsy(connected: Any) -> Iterator[httpx.Client]:
    """A plain client for Etsy's API on the sandbox, with the app's key."""
    key = f"{connected.config.keystring}:{connected.config.shared_secret}"
    with httpx.Client(
        base_url=connected.base_url + API, headers={"x-api-key": key}, verify=False
    ) as client:
        yield client


def bearer(sandbox: Any, *scopes: str) -> dict[str, str]:
    token = sandbox.issue_token(scopes=scopes or ("listings_r", "listings_w", "shops_r"))
    return {"authorization": f"Bearer {token['access_token']}"}


def test_error_answers_conform(
    cli, recorder: Recorder, connected, catalog, etsy: httpx.Client, oas: EtsyOas
) -> None:
    assert push(cli, catalog) == 0
    start = len(recorder)
    auth = bearer(connected)
    tee = listing_id_of(cli, "prod_demo_tee")
    shop = f"/shops/{SELLER_SHOP_ID}"
    form = {
        "quantity": "1",
        "title": "A mug",
        "description": "A mug.",
        "price": "0.01",  # below Etsy's minimum price
        "who_made": "i_did",
        "when_made": "made_to_order",
        "is_supply": "false",
        "taxonomy_id": "1073",
    }
    answers = {
        400: etsy.post(f"{shop}/listings", data=form, headers=auth),
        401: etsy.get("/users/me", headers={"authorization": "Bearer 84729351.not-a-token"}),
        403: etsy.post(
            f"{shop}/listings", data={**form, "price": "10"}, headers=bearer(connected, "shops_r")
        ),
        404: etsy.get("/listings/999999999", headers=auth),
        # A listing with several products cannot become a digital one (etsy-api.md §5).
        409: etsy.patch(f"{shop}/listings/{tee}", data={"type": "download"}, headers=auth),
    }
    wrong_secret = f"{connected.config.keystring}:wrong-secret"
    answers[-403] = etsy.get(f"/shops/{SELLER_SHOP_ID}", headers={"x-api-key": wrong_secret})
    rpd = connected.config.rpd
    connected.reset_quota(rpd=1)
    try:
        etsy.get(f"/shops/{SELLER_SHOP_ID}")
        answers[429] = etsy.get(f"/shops/{SELLER_SHOP_ID}")
    finally:
        connected.reset_quota(rpd=rpd)
    for status, response in answers.items():
        assert response.status_code == abs(status), (status, response.text)

    probes = recorder.since(start)
    assert_conforms(oas, probes)
    assert {400, 401, 403, 404, 409, 429} <= statuses(probes)
