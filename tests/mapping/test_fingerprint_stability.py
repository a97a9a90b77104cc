"""The fingerprints stored with every link stay what they were.

A link's `source_fingerprint` and `payload_fingerprint` are compared with the next plan's: if
an upgrade of etsysync (a faster encoder, a reordered model) hashed the same product or the
same draft differently, every product of every shop would look changed and be pushed again.
The figures below were computed by the version before the plan was made faster (issue 17)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.mapping.test_mapping_properties import (
    defaults_strategy,
    plausible_defaults,
    plausible_products,
    products,
)

from etsysync_cli.domain import canonical
from etsysync_cli.domain.listing import (
    ImageRef,
    InventoryProduct,
    ListingDefaults,
    ListingDraft,
    ListingInventory,
    Offering,
    PropertyValue,
)
from etsysync_cli.domain.mapping import MappedListing, draft_fingerprint, map_product
from etsysync_cli.domain.product import (
    Product,
    canonical_json,
    fingerprint,
    ordered_image_urls,
    parse_product,
    sellable_quantity,
    stock_is_known,
)

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


# --- the texts hashed, written field by field, are the generic canonical JSON -------------------
#
# Both fingerprints are written out field by field (issue 17: a dump and an encoder pass per
# price, variant, product and draft were a tenth of a large plan). The functions below are the
# generic ones they replaced, kept as the oracle: for any product or draft both hash the same
# bytes. A field added to a model and not to its writer fails here.


# The encoder alone, without canonical_json's writing of flat dicts.
generic_json = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=canonical._dec
).encode


def generic_fingerprint(product: Product) -> str:
    variants = []
    for v in product.variants:
        prices = [generic_json(p.model_dump()) for p in v.prices]
        variants.append(
            generic_json(
                {
                    "id": v.id,
                    "sku": v.sku,
                    "title": v.title,
                    "options": sorted((o.title or "", o.value) for o in v.options),
                    "prices": sorted(prices),
                    "managed": v.is_managed,
                    "known": stock_is_known(v),
                    "quantity": sellable_quantity(v),
                }
            )
        )
    data = product.model_dump(
        exclude={"updated_at", "variants", "images", "thumbnail", "tags"}, mode="python"
    )
    data["images"] = ordered_image_urls(product)
    data["tags"] = sorted(product.tags)
    data["variants"] = sorted(variants)
    return hashlib.sha256(generic_json(data).encode("utf-8")).hexdigest()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.one_of(products, plausible_products()), ids=st.sampled_from([None, "prod_1"]))
def test_the_product_fingerprint_is_the_generic_one(raw: dict[str, Any], ids: str | None) -> None:
    product = parse_product({**raw, "id": ids} if ids else raw, where="item 1")
    if isinstance(product, Product):
        assert fingerprint(product) == generic_fingerprint(product)


def test_the_product_fingerprint_is_the_generic_one_for_odd_fields() -> None:
    odd = {
        **PRODUCT,
        "subtitle": 'say "hi" \\ \u2028 \x00',
        "is_giftcard": False,
        "metadata": {"b": [1, Decimal("2.50"), None, {"z": True, "a": "\u00e9"}], "a": 10**30},
        "options": [{"id": "opt_1", "title": "Colour", "values": ["Blue", "Sand"]}],
        "weight": Decimal("1E+3"),
    }
    odd["variants"] = [
        {**odd["variants"][0], "prices": [{"amount": "7", "currency_code": "usd", "rules": {}}]},
        {
            **odd["variants"][1],
            "id": "var_1",
            "title": "Sand",
            "manage_inventory": False,
            "prices": [{"amount": "-0.0", "currency_code": "usd", "min_quantity": 2}],
        },
    ]
    product = parse_product(odd, where="odd")
    assert isinstance(product, Product), product
    assert fingerprint(product) == generic_fingerprint(product)


def generic_draft_fingerprint(draft: ListingDraft) -> str:
    unset = {"production_partner_ids"} if not draft.production_partner_ids else set()
    text = generic_json(draft.model_dump(mode="json", exclude=unset))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.one_of(products, plausible_products()),
    defaults=st.one_of(defaults_strategy, plausible_defaults),
    currency=st.sampled_from(["EUR", "usd", "JPY"]),
)
def test_the_draft_fingerprint_is_the_generic_one(
    raw: dict[str, Any], defaults: ListingDefaults, currency: str
) -> None:
    product = parse_product(raw, where="item 1")
    if not isinstance(product, Product):
        return
    mapped = map_product(product, currency=currency, defaults=defaults, today=date(2026, 12, 1))
    if isinstance(mapped, MappedListing):
        assert draft_fingerprint(mapped.draft) == generic_draft_fingerprint(mapped.draft)


def test_the_draft_fingerprint_is_the_generic_one_for_odd_fields() -> None:
    offering = Offering(price=Decimal("1E+1"), quantity=0, is_enabled=False)
    draft = ListingDraft(
        currency_code="EUR",
        title='A "quoted" title & more',
        description="line\nbreak \\ \u2028 é",
        price=Decimal("0.2000"),
        quantity=1,
        who_made="i_did",
        when_made="made_to_order",
        is_supply=True,
        taxonomy_id=2**40,
        type="both",
        tags=["a'b", "ç"],
        materials=[],
        item_weight=Decimal("0.50"),
        item_weight_unit="kg",
        production_partner_ids=[3810274, 7],
        state="active",
        images=[ImageRef(source="/tmp/a b/\u00e9.png")],
        inventory=ListingInventory(
            products=[
                InventoryProduct(
                    sku="",
                    property_values=[
                        PropertyValue(property_id=513, values=["S"]),
                        PropertyValue(
                            property_id=100,
                            property_name="Ring size",
                            scale_id=3,
                            value_ids=[1, 2],
                            values=["5 ½"],
                        ),
                    ],
                    offerings=[offering],
                )
            ],
            price_on_property=[513, 100],
            readiness_state_on_property=[],
        ),
    )
    assert draft_fingerprint(draft) == generic_draft_fingerprint(draft)
    edited = draft.model_copy(update={"state": "draft", "production_partner_ids": []})
    assert draft_fingerprint(edited) == generic_draft_fingerprint(edited)


flat_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
    st.floats(allow_nan=False),  # from an HTTP source's JSON: left to the encoder
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(value=st.dictionaries(st.text(max_size=6), flat_values, max_size=5))
def test_a_flat_dict_is_written_as_the_encoder_writes_it(value: dict[str, Any]) -> None:
    assert canonical_json(value) == generic_json(value)
