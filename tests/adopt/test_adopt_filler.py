"""Etsy's filler offerings are not the seller's: adopting a listing whose variation grid Etsy
filled with disabled, 0-priced offerings reports no inventory difference (etsy-api.md §10.3,
ELA's print-on-demand listing)."""

from __future__ import annotations

from tests.adopt.test_adopt_cli import adopt_json
from tests.sync.conftest import shop_listings


def test_filler_offerings_etsy_added_are_not_a_difference(cli, connected, seller, catalog) -> None:
    # The store does not make the tee in M / Rust; Etsy fills that hole in the grid itself.
    catalog.edit(
        "prod_demo_tee",
        lambda p: p.update(variants=[v for v in p["variants"] if v["sku"] != "TEE-M-RUS"]),
    )
    connected.fill_variation_grids()
    tee = seller.copy_of("prod_demo_tee")
    products = next(x for x in shop_listings(connected) if x["listing_id"] == tee)["inventory"][
        "products"
    ]
    (filler,) = [p for p in products if not p["offerings"][0]["is_enabled"]]
    assert filler["offerings"][0]["price"]["amount"] == 0
    assert [v["values"][0] for v in filler["property_values"]] == ["M", "Rust"]

    found = adopt_json(cli, catalog)
    (match,) = [m for m in found["matches"] if m["product_id"] == "prod_demo_tee"]
    assert match["listing_id"] == tee
    assert match["differences"] == []


def test_a_real_disabled_variant_still_counts(cli, connected, seller, catalog) -> None:
    """Only Etsy's 0-priced filler is ignored: a priced offering the seller disabled is not."""
    tee = seller.copy_of("prod_demo_tee")
    with connected.state.lock:
        product = connected.state.listings[tee].inventory.products[0]
        product.offerings[0].is_enabled = False
    found = adopt_json(cli, catalog)
    (match,) = [m for m in found["matches"] if m["product_id"] == "prod_demo_tee"]
    assert "inventory" in match["differences"]
