"""What an update changes, value by value (domain/diff.py), for drafts built by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from etsysync_cli.domain.diff import Before, update_changes
from etsysync_cli.domain.listing import ImageRef, InventoryProduct, ListingInventory, Offering
from etsysync_cli.domain.matching import ShopListing
from tests.core.test_planner import BASE


def product(sku: str, price: str, quantity: int) -> InventoryProduct:
    offering = Offering(price=Decimal(price), quantity=quantity, readiness_state_id=22)
    return InventoryProduct(sku=sku, offerings=[offering])


def variants(*products: InventoryProduct) -> ListingInventory:
    return ListingInventory(products=list(products))


def images(*names: str) -> list[ImageRef]:
    return [ImageRef(source=f"images/{n}.png") for n in names]


def said(changes: list[Any]) -> list[dict[str, Any]]:
    return [c.to_dict() for c in changes]


TWO = variants(product("LT-S", "25.00", 5), product("LT-M", "25.00", 4))


@pytest.mark.parametrize(
    ("before", "after", "sent", "fields", "expected"),
    [
        (  # a title and a tag
            {},
            {"title": "Blue mug, large", "tags": ["mug", "large"]},
            ["fields"],
            ["tags", "title"],
            [
                {
                    "field": "tags",
                    "old": ["mug"],
                    "new": ["mug", "large"],
                    "added": ["large"],
                    "removed": [],
                },
                {"field": "title", "old": "Blue mug", "new": "Blue mug, large"},
            ],
        ),
        (  # price and quantity of a listing without variants: no SKU label
            {},
            {"inventory": variants(product("MUG-1", "14.00", 2))},
            ["inventory"],
            [],
            [
                {"field": "price", "old": "12.50", "new": "14.00"},
                {"field": "quantity", "old": 3, "new": 2},
            ],
        ),
        (  # variants by SKU: one repriced, one added, one removed
            {"inventory": TWO},
            {"inventory": variants(product("LT-S", "28.00", 5), product("LT-L", "30.00", 1))},
            ["inventory"],
            [],
            [
                {"field": "price", "old": "25.00", "new": "28.00", "sku": "LT-S"},
                {"field": "variant", "old": None, "new": "30.00, qty 1", "sku": "LT-L"},
                {"field": "variant", "old": "25.00, qty 4", "new": None, "sku": "LT-M"},
            ],
        ),
        (  # images: one added, two swapped
            {"images": images("a", "b")},
            {"images": images("b", "a", "c")},
            ["images"],
            [],
            [{"field": "images", "old": 2, "new": 3, "added": 1, "removed": 0, "moved": 2}],
        ),
        (  # publishing
            {},
            {"state": "active"},
            ["state"],
            [],
            [{"field": "state", "old": "draft", "new": "active"}],
        ),
        (  # only what is sent is said: a field that differs but is not sent stays out
            {},
            {"title": "Other"},
            [],
            [],
            [],
        ),
    ],
)
def test_changes_from_the_last_push(before, after, sent, fields, expected) -> None:
    base = BASE.model_copy(update={"tags": ["mug"], **before})
    draft = base.model_copy(update=after)
    assert said(update_changes(Before.from_draft(base), draft, sent, fields)) == expected


def test_old_is_what_etsy_holds_when_read() -> None:
    pushed = BASE.model_copy(update={"images": images("a")})
    etsy = ShopListing(
        listing_id=4001,
        title="Blue mug (edited)",
        state="inactive",
        url="",
        fields={"title": "Blue mug (edited)"},
        image_ids=(1, 2),
        inventory=variants(product("MUG-1", "11.00", 1)),
    )
    draft = pushed.model_copy(
        update={
            "title": "Blue mug",
            "state": "active",
            "inventory": variants(product("MUG-1", "12.50", 3)),
        }
    )
    changes = update_changes(
        Before.from_etsy(etsy, pushed), draft, ["fields", "inventory", "state"], ["title"]
    )
    assert said(changes) == [
        {"field": "title", "old": "Blue mug (edited)", "new": "Blue mug"},
        {"field": "price", "old": "11.00", "new": "12.50"},
        {"field": "quantity", "old": 1, "new": 3},
        {"field": "state", "old": "inactive", "new": "active"},
    ]


def test_adopted_and_not_read_has_no_old_values() -> None:
    unknown = Before(fields={}, inventory=None, state=None)
    draft = BASE.model_copy(update={"images": images("a", "b")})
    changes = said(update_changes(unknown, draft, ["fields", "images", "inventory"], ["title"]))
    assert changes[0] == {"field": "title", "old": None, "new": "Blue mug"}
    assert {"field": "price", "old": None, "new": "12.50"} in changes
    assert {"field": "images", "old": 0, "new": 2, "added": 2, "removed": 0} in changes
