"""The pure parts of adopting: matching, comparing, and reading a shop (with a fake client)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

import pytest

from etsysync_cli.domain.listing import (
    InventoryProduct,
    ListingDraft,
    ListingInventory,
    Offering,
)
from etsysync_cli.domain.matching import (
    Candidate,
    ShopListing,
    differences,
    match,
    normalise_title,
    state_warnings,
)
from etsysync_cli.errors import EtsyNotFoundError
from etsysync_cli.etsy.inventory import EtsyInventory
from etsysync_cli.etsy.listings import read_shop_listings, shop_listing
from etsysync_cli.etsy.models import Listing


def draft(
    title: str, *skus: str, price: str = "10", quantity: int = 1, **fields: Any
) -> ListingDraft:
    products = [
        InventoryProduct(
            sku=sku,
            offerings=[
                Offering(
                    price=Decimal(price),
                    quantity=quantity,
                    is_enabled=True,
                    readiness_state_id=None,
                )
            ],
        )
        for sku in skus or ("",)
    ]
    data: dict[str, Any] = {
        "currency_code": "USD",
        "title": title,
        "description": "Made by hand.",
        "price": Decimal(price),
        "quantity": quantity * len(products),
        "who_made": "i_did",
        "when_made": "made_to_order",
        "is_supply": False,
        "taxonomy_id": 1073,
        "type": "physical",
        "tags": ["mug", "clay"],
        "inventory": ListingInventory(products=products),
    }
    data.update(fields)
    return ListingDraft(**data)


def candidate(product_id: str, title: str, *skus: str, **fields: Any) -> Candidate:
    return Candidate(product_id, draft(title, *skus, **fields))


def listing(
    listing_id: int,
    title: str,
    *skus: str,
    state: str = "draft",
    price: int = 1000,
    quantity: int = 1,
    **fields: Any,
) -> ShopListing:
    data: dict[str, Any] = {
        "listing_id": listing_id,
        "title": title,
        "state": state,
        "description": "Made by hand.",
        "who_made": "i_did",
        "when_made": "made_to_order",
        "is_supply": False,
        "taxonomy_id": 1073,
        "listing_type": "physical",
        "tags": ["clay", "mug"],
    }
    data.update(fields)
    inventory = EtsyInventory.model_validate(
        {
            "products": [
                {
                    "sku": sku,
                    "offerings": [
                        {
                            "price": {"amount": price, "divisor": 100, "currency_code": "USD"},
                            "quantity": quantity,
                            "is_enabled": True,
                        }
                    ],
                }
                for sku in skus or ("",)
            ]
        }
    )
    return shop_listing(Listing.model_validate(data), inventory.to_listing_inventory())


def pairs(result: Any) -> set[tuple[str, int, str]]:
    return {(m.product_id, m.listing.listing_id, m.matched_by) for m in result.matches}


# --- matching ------------------------------------------------------------------------------------


def test_sku_first_then_title() -> None:
    result = match(
        [candidate("mug", "Mug", "MUG-1"), candidate("vase", "Bud Vase"), candidate("new", "New")],
        [listing(1, "Old mug name", "MUG-1"), listing(2, "Bud  Vase "), listing(3, "Other", "X")],
    )
    assert pairs(result) == {("mug", 1, "sku"), ("vase", 2, "title")}
    assert [c.product_id for c in result.unmatched_products] == ["new"]
    assert [x.listing_id for x in result.unmatched_listings] == [3]
    assert result.conflicts == []


def test_one_shared_sku_is_enough_and_extra_skus_do_not_matter() -> None:
    result = match(
        [candidate("tee", "Tee", "TEE-S", "TEE-M", "TEE-L")],
        [listing(1, "T-shirt", "TEE-M", "TEE-XL")],
    )
    assert pairs(result) == {("tee", 1, "sku")}
    assert result.matches[0].shared_skus == ["TEE-M"]


@pytest.mark.parametrize(
    ("candidates", "listings", "product_ids", "listing_ids"),
    [
        # one product's SKUs on two listings
        ([("a", "A", ("S1", "S2"))], [(1, "A", ("S1",)), (2, "A2", ("S2",))], ["a"], [1, 2]),
        # one listing holding SKUs of two products
        ([("a", "A", ("S1",)), ("b", "B", ("S2",))], [(1, "AB", ("S1", "S2"))], ["a", "b"], [1]),
        # two listings with the same SKU
        ([("a", "A", ("S1",))], [(1, "A", ("S1",)), (2, "A", ("S1",))], ["a"], [1, 2]),
    ],
)
def test_ambiguous_skus_are_a_conflict(
    candidates: Sequence[tuple[str, str, tuple[str, ...]]],
    listings: Sequence[tuple[int, str, tuple[str, ...]]],
    product_ids: list[str],
    listing_ids: list[int],
) -> None:
    result = match(
        [candidate(pid, title, *skus) for pid, title, skus in candidates],
        [listing(lid, title, *skus) for lid, title, skus in listings],
    )
    assert result.matches == []
    (conflict,) = result.conflicts
    assert (conflict.kind, sorted(conflict.product_ids), sorted(conflict.listing_ids)) == (
        "sku",
        product_ids,
        listing_ids,
    )
    # Not guessed by title either, and not reported as unmatched.
    assert result.unmatched_products == [] and result.unmatched_listings == []


@pytest.mark.parametrize(
    ("products", "listings"),
    [
        ([("a", "Mug")], [(1, "Mug"), (2, "Mug ")]),  # duplicate listings
        ([("a", "Mug"), ("b", "Mug")], [(1, "Mug")]),  # duplicate products
    ],
)
def test_duplicate_titles_are_a_conflict(
    products: list[tuple[str, str]], listings: list[tuple[int, str]]
) -> None:
    result = match(
        [candidate(pid, title) for pid, title in products],
        [listing(lid, title) for lid, title in listings],
    )
    assert result.matches == []
    (conflict,) = result.conflicts
    assert conflict.kind == "title" and "'Mug'" in conflict.reason


def test_same_title_with_different_skus_is_a_conflict() -> None:
    result = match([candidate("a", "Mug", "NEW-1")], [listing(1, "Mug", "OLD-1")])
    assert result.matches == []
    assert "different SKUs" in result.conflicts[0].reason


def test_titles_match_exactly_apart_from_whitespace() -> None:
    assert normalise_title("  Speckled\tBud \n Vase ") == "Speckled Bud Vase"
    result = match([candidate("a", "Bud Vase"), candidate("b", "Mug")], [listing(1, "bud vase")])
    assert result.matches == []  # case counts
    assert len(result.unmatched_products) == 2 and len(result.unmatched_listings) == 1


def test_a_listing_taken_by_sku_is_not_matched_by_title_too() -> None:
    result = match(
        [candidate("a", "Mug", "MUG-1"), candidate("b", "Mug")],
        [listing(1, "Mug", "MUG-1")],
    )
    assert pairs(result) == {("a", 1, "sku")}
    assert [c.product_id for c in result.unmatched_products] == ["b"]


def test_duplicate_listings_without_products_are_only_unmatched() -> None:
    result = match([], [listing(1, "Mug"), listing(2, "Mug")])
    assert result.conflicts == [] and len(result.unmatched_listings) == 2


# --- comparing -----------------------------------------------------------------------------------


def test_identical_listing_has_no_differences() -> None:
    assert differences(draft("Mug", "M-1"), listing(1, "Mug", "M-1")) == []
    # Line endings, surrounding whitespace and tag order are not differences.
    etsy = listing(1, "Mug", "M-1", description="Made by hand.\r\n", tags=["mug", "clay"])
    assert differences(draft("Mug", "M-1"), etsy) == []


@pytest.mark.parametrize(
    ("etsy", "expected"),
    [
        ({"title": "Mug!"}, ["title"]),
        ({"description": "Other"}, ["description"]),
        ({"tags": ["mug"]}, ["tags"]),
        ({"materials": ["clay"]}, ["materials"]),
        ({"taxonomy_id": 1}, ["taxonomy_id"]),
        ({"who_made": "collective"}, ["who_made"]),
        ({"listing_type": "download"}, ["type"]),
        ({"price": 1200}, ["inventory"]),
        ({"quantity": 3}, ["inventory"]),
        ({"skus": ("M-2",)}, ["inventory"]),
        # The product is a draft (listing.state's default): that never unpublishes a live
        # listing, so Etsy's state is not a difference a push would act on.
        ({"state": "active"}, []),
        ({"state": "sold_out"}, []),
        ({"state": "inactive"}, []),
    ],
)
def test_differences_name_what_differs(etsy: dict[str, Any], expected: list[str]) -> None:
    title = etsy.pop("title", "Mug")
    skus = etsy.pop("skus", ("M-1",))
    assert differences(draft("Mug", "M-1"), listing(1, title, *skus, **etsy)) == expected


def test_state_warnings() -> None:
    active = listing(1, "Mug", state="active")
    assert state_warnings(draft("Mug"), active) == []  # the default draft never unpublishes
    assert "deactivate" in state_warnings(draft("Mug", quantity=0), active)[0]
    assert differences(draft("Mug", state="active"), listing(1, "Mug", state="inactive")) == [
        "state"
    ]
    assert state_warnings(draft("Mug", state="active"), active) == []
    expired = listing(1, "Mug", state="expired")
    assert "$0.20" in state_warnings(draft("Mug", state="active"), expired)[0]


# --- reading the shop ----------------------------------------------------------------------------


class FakeClient:
    """getListingsByShop pages and inventory batches, as the real client yields them."""

    def __init__(self, listings: dict[str, list[int]], gone: set[int] | None = None) -> None:
        self.listings = listings
        self.gone = gone or set()
        self.batches: list[list[int]] = []

    def iter_listings_by_shop(
        self, shop_id: int, state: str, page_size: int = 100, includes: Sequence[str] = ()
    ) -> Iterator[Listing]:
        for listing_id in self.listings.get(state, []):
            yield Listing(listing_id=listing_id, title=f"L{listing_id}", state=state)

    def get_listings_inventory_by_ids(self, ids: Sequence[int]) -> list[Listing]:
        assert len(ids) <= 100
        self.batches.append(list(ids))
        if self.gone & set(ids):
            raise EtsyNotFoundError("not found", status=404)
        return [
            Listing.model_validate(
                {
                    "listing_id": i,
                    "inventory": {"products": [{"sku": f"S{i}", "offerings": []}]},
                }
            )
            for i in ids
        ]


def test_reads_every_state_and_batches_inventories_by_100() -> None:
    client = FakeClient({"active": list(range(1, 151)), "draft": [151, 152], "expired": [153]})
    read = read_shop_listings(client, 1)  # type: ignore[arg-type]
    assert [x.listing_id for x in read.listings] == list(range(1, 154))
    assert read.listings[0].skus == {"S1"}
    assert [len(b) for b in client.batches] == [100, 53]
    assert read.warnings == []


def test_skips_known_listings_and_drops_those_gone_meanwhile() -> None:
    client = FakeClient({"active": [1, 2, 3, 4, 5], "inactive": [3]}, gone={4})
    read = read_shop_listings(client, 1, skip={2})  # type: ignore[arg-type]
    assert [x.listing_id for x in read.listings] == [1, 3, 5]
    assert read.skipped == 1
    assert len(client.batches) > 1  # the batch with the gone listing was split


def test_stops_at_etsys_offset_limit_with_a_warning() -> None:
    client = FakeClient({"active": list(range(1, 12201))})
    read = read_shop_listings(client, 1)  # type: ignore[arg-type]
    assert len(read.listings) == 12100
    assert "12100 active listings" in read.warnings[0]
