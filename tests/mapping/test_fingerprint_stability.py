"""The fingerprints stored with every link stay what they were.

A link's `source_fingerprint` and `payload_fingerprint` are compared with the next plan's: if
an upgrade of etsysync (a faster encoder, a reordered model) hashed the same product or the
same draft differently, every product of every shop would look changed and be pushed again.
The figures below were computed by the version before the plan was made faster (issue 17)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from etsysync_cli.domain.listing import ListingDefaults
from etsysync_cli.domain.mapping import MappedListing, draft_fingerprint, map_product
from etsysync_cli.domain.product import fingerprint, parse_product

PRODUCT = {
    "id": "prod_golden",
    "title": "Father's Day Mug — “Best Dad” & Co.",
    "description": "Stoneware, 350 ml.\nDishwasher safe.",
    "tags": ["mug", "Father's Day", "gift"],
    "material": "stoneware, glaze",
    "weight": 420,
    "thumbnail": "https://img.example/mug-1.jpg",
    "images": [{"url": "https://img.example/mug-2.jpg", "rank": 1}],
    "metadata": {"etsy_taxonomy_id": 1073, "etsy_state": "active"},
    "status": "published",
    "options": [{"title": "Colour", "values": ["Blue", "Sand"]}],
    "variants": [
        {
            "sku": "MUG-B",
            "options": {"Colour": "Blue"},
            "prices": [
                {"amount": Decimal("18.50"), "currency_code": "usd"},
                {"amount": 17, "currency_code": "eur"},
            ],
            "inventory_quantity": 4,
        },
        {
            "sku": "MUG-S",
            "options": {"Colour": "Sand"},
            "prices": [{"amount": Decimal("19.00"), "currency_code": "usd"}],
            "inventory_quantity": 0,
        },
    ],
}


def test_the_same_product_and_draft_hash_as_before() -> None:
    product = parse_product(PRODUCT, where="golden")
    mapped = map_product(
        product,
        currency="USD",
        defaults=ListingDefaults(shipping_profile_id=7, return_policy_id=8, readiness_state_id=9),
        today=date(2026, 12, 1),
    )
    assert isinstance(mapped, MappedListing), mapped
    assert fingerprint(product) == (
        "618117a6d79efd8fae392dd5a04d7c34dc272c67456ebed5c6b2a375259e8839"
    )
    assert draft_fingerprint(mapped.draft) == (
        "86a72d81c4bff2cf54778693773967115d0287dbddd8be4867303d83bd417a64"
    )
