"""The planner (domain/planner.py) on its own: one product and its link in, one plan item out.

Drafts are built by hand from one base draft, so each case says exactly what differs; a few
tests go through `map_product` to check that the planner agrees with real mapped drafts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etsysync_cli.domain.listing import (
    ImageRef,
    InventoryProduct,
    ListingDefaults,
    ListingDraft,
    ListingInventory,
    Offering,
)
from etsysync_cli.domain.mapping import (
    InvalidListing,
    MappedListing,
    draft_fingerprint,
    map_product,
)
from etsysync_cli.domain.planner import LinkSnapshot, diff_drafts, orphan_item, plan_product
from etsysync_cli.domain.product import Product
from etsysync_cli.domain.statuses import Action, LinkStatus

P, S, F, OUT = (LinkStatus.PENDING, LinkStatus.SYNCED, LinkStatus.FAILED, LinkStatus.OUT_OF_SYNC)
LISTING = 4001
EVERYTHING = ["fields", "images", "inventory", "state"]


def inventory(price: str = "12.50", quantity: int = 3) -> ListingInventory:
    offering = Offering(
        price=Decimal(price), quantity=quantity, is_enabled=quantity > 0, readiness_state_id=22
    )
    return ListingInventory(products=[InventoryProduct(sku="MUG-1", offerings=[offering])])


BASE = ListingDraft(
    currency_code="USD",
    title="Blue mug",
    description="A hand-thrown blue mug.",
    price=Decimal("12.50"),
    quantity=3,
    who_made="i_did",
    when_made="made_to_order",
    is_supply=False,
    taxonomy_id=1633,
    type="physical",
    shipping_profile_id=11,
    readiness_state_id=22,
    tags=["mug", "blue"],
    materials=["clay"],
    state="draft",
    images=[ImageRef(source="https://img.test/1.jpg"), ImageRef(source="https://img.test/2.jpg")],
    inventory=inventory(),
)
ACTIVE = BASE.model_copy(update={"state": "active"})
FIELDS = sorted(BASE.update_fields())


def draft(base: ListingDraft = BASE, **changes: Any) -> ListingDraft:
    return base.model_copy(update=changes)


def sold_out(base: ListingDraft = BASE, **changes: Any) -> ListingDraft:
    return draft(base, inventory=inventory(quantity=0), quantity=1, **changes)


def link(
    status: LinkStatus,
    payload: ListingDraft | None = BASE,
    *,
    listing_id: int | None = LISTING,
    source: str | None = "src-1",
) -> LinkSnapshot:
    fingerprint = draft_fingerprint(payload) if payload is not None else None
    return LinkSnapshot("prod_1", listing_id, status, source, fingerprint, payload)


def plan(new: ListingDraft, snapshot: LinkSnapshot | None, source: str = "src-1") -> Any:
    return plan_product("prod_1", "store title", MappedListing(new), source, snapshot)


@dataclass(frozen=True)
class Case:
    name: str
    link: LinkSnapshot | None
    new: ListingDraft
    action: Action
    changes: list[str]
    changed_fields: list[str]


CASES = [
    Case("no link", None, BASE, Action.CREATE, [], []),
    Case("link without a listing", link(P, None, listing_id=None), BASE, Action.CREATE, [], []),
    Case("synced, same draft", link(S), BASE, Action.UNCHANGED, [], []),
    Case("title", link(S), draft(title="Red mug"), Action.UPDATE, ["fields"], ["title"]),
    Case("tags", link(S), draft(tags=["mug"]), Action.UPDATE, ["fields"], ["tags"]),
    Case(
        "a return policy added",
        link(S),
        draft(return_policy_id=7),
        Action.UPDATE,
        ["fields"],
        ["return_policy_id"],
    ),
    Case(
        "price: inventory only, never a field",
        link(S),
        draft(price=Decimal("14.00"), inventory=inventory(price="14.00")),
        Action.UPDATE,
        ["inventory"],
        [],
    ),
    Case(
        "quantity",
        link(S),
        draft(quantity=5, inventory=inventory(quantity=5)),
        Action.UPDATE,
        ["inventory"],
        [],
    ),
    Case(
        "image order",
        link(S),
        draft(images=list(reversed(BASE.images))),
        Action.UPDATE,
        ["images"],
        [],
    ),
    Case(
        "an image added",
        link(S),
        draft(images=[*BASE.images, ImageRef(source="/photos/3.jpg")]),
        Action.UPDATE,
        ["images"],
        [],
    ),
    Case("publish", link(S), ACTIVE, Action.UPDATE, ["state"], []),
    Case(
        "draft wanted, in stock: never unpublishes",
        link(S, ACTIVE),
        draft(title="Red mug"),
        Action.UPDATE,
        ["fields"],
        ["title"],
    ),
    Case(
        "draft wanted, sold out: taken down",
        link(S, ACTIVE),
        sold_out(),
        Action.UPDATE,
        ["inventory", "state"],
        [],
    ),
    Case(
        "adopted (synced), draft wanted: all but the state",
        link(S, None),
        BASE,
        Action.UPDATE,
        ["fields", "images", "inventory"],
        FIELDS,
    ),
    Case(
        "adopted (out_of_sync), active", link(OUT, None), ACTIVE, Action.UPDATE, EVERYTHING, FIELDS
    ),
    Case(
        "adopted, draft wanted, sold out: the state too",
        link(OUT, None),
        sold_out(),
        Action.UPDATE,
        EVERYTHING,
        FIELDS,
    ),
    Case("pending, never pushed: finish the create", link(P, None), BASE, Action.CREATE, [], []),
    Case("failed, never pushed: finish the create", link(F, None), BASE, Action.CREATE, [], []),
    Case(
        "failed push of the same draft: all again",
        link(F),
        BASE,
        Action.UPDATE,
        ["fields", "images", "inventory"],
        FIELDS,
    ),
    Case(
        "pending with a payload: only the difference",
        link(P),
        draft(title="Red mug"),
        Action.UPDATE,
        ["fields"],
        ["title"],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_plan_product(case: Case) -> None:
    item = plan(case.new, case.link)

    assert item.action == case.action
    assert item.changes == case.changes
    assert item.changed_fields == case.changed_fields
    assert item.draft == case.new
    assert item.fingerprint == draft_fingerprint(case.new)
    assert item.title == case.new.title  # the Etsy title, not the store's
    assert item.pushes == (case.action in (Action.CREATE, Action.UPDATE))
    expected_listing = case.link.etsy_listing_id if case.link else None
    assert item.listing_id == expected_listing


def test_a_synced_listing_that_differs_only_by_an_unsendable_state_is_not_pushed_again() -> None:
    item = plan(BASE, link(S, ACTIVE))

    assert item.action == "unchanged"
    assert "state" not in item.changes
    assert not {"fields", "images", "inventory"} & set(item.changes), item.changes


def test_an_invalid_mapping_keeps_every_reason_and_sends_nothing() -> None:
    mapped = InvalidListing(["no price in USD", "no images"], warnings=["no description"])

    item = plan_product("prod_1", "Blue mug", mapped, "src-2", link(S))

    assert item.action == Action.INVALID
    assert item.reasons == ["no price in USD", "no images"]
    assert item.warnings == ["no description"]
    assert item.title == "Blue mug"
    assert item.draft is None and item.fingerprint is None and not item.pushes
    assert item.listing_id == LISTING
    assert item.source_fingerprint == "src-2"


def test_an_invalid_product_without_a_link_has_no_listing() -> None:
    item = plan_product("prod_1", "Blue mug", InvalidListing(["bad"]), None, None)
    assert (item.action, item.listing_id, item.reasons) == (Action.INVALID, None, ["bad"])


@pytest.mark.parametrize(
    ("linked_source", "planned_source", "changed"),
    [("src-1", "src-1", False), ("src-1", "src-2", True), (None, "src-2", False)],
)
@pytest.mark.parametrize("status", [S, OUT, F])
def test_source_changed(
    linked_source: str | None, planned_source: str, changed: bool, status: LinkStatus
) -> None:
    item = plan(draft(title="Red mug"), link(status, source=linked_source), planned_source)
    assert item.source_changed is changed
    assert item.source_fingerprint == planned_source


def test_source_changed_but_same_draft_is_still_unchanged() -> None:
    """What changed in the store is not sent (e.g. a tag beyond Etsy's 13): the listing still
    matches, so the link is not marked out of sync (which would make the next plan push it)."""
    item = plan(BASE, link(S, source="old"), "new")
    assert item.action == Action.UNCHANGED
    assert item.source_changed is False


def test_mapping_warnings_travel_with_the_item() -> None:
    item = plan_product("p", "t", MappedListing(BASE, warnings=["stock capped"]), None, None)
    assert item.warnings == ["stock capped"]


def test_orphan_item() -> None:
    item = orphan_item(link(S, draft(title="Old mug")))
    assert item.action == Action.ORPHANED
    assert item.title == "Old mug"
    assert item.listing_id == LISTING
    assert item.reasons == ["the product is no longer in the source"]
    assert not item.pushes and item.draft is None


def test_an_adopted_orphan_is_named_by_its_product_id() -> None:
    assert orphan_item(link(OUT, None)).title == "prod_1"


def test_diff_reports_every_changed_field_sorted() -> None:
    new = draft(title="Red mug", materials=["stoneware"], description="New.")
    assert diff_drafts(BASE, new) == (["fields"], ["description", "materials", "title"])


def test_diff_compares_prices_by_value() -> None:
    same = draft(inventory=inventory(price="12.5"))
    assert diff_drafts(BASE, same) == ([], [])


# --- through the mapper --------------------------------------------------------------------------

DEFAULTS = ListingDefaults(taxonomy_id=1633, shipping_profile_id=11, readiness_state_id=22)


def mapped(stock: int, state: str = "active") -> MappedListing:
    product = Product.model_validate(
        {
            "id": "prod_1",
            "title": "Blue mug",
            "description": "A mug",
            "images": ["https://img.test/1.jpg"],
            "metadata": {"etsy_state": state},
            "variants": [
                {
                    "sku": "MUG",
                    "prices": [{"amount": "12.50", "currency_code": "usd"}],
                    "inventory_quantity": stock,
                }
            ],
        }
    )
    result = map_product(product, currency="usd", defaults=DEFAULTS, today=date(2026, 1, 1))
    assert isinstance(result, MappedListing), result
    return result


def test_a_mapped_product_without_a_link_is_created() -> None:
    item = plan_product("prod_1", "Blue mug", mapped(3), "src", None)
    assert item.action == Action.CREATE
    assert item.draft is not None and item.draft.state == "active"


def test_a_live_listing_that_sells_out_is_taken_down() -> None:
    live = mapped(3).draft
    item = plan_product("prod_1", "Blue mug", mapped(0), "src-2", link(S, live))
    assert item.action == Action.UPDATE
    assert item.changes == ["inventory", "state"]
    assert item.draft is not None and item.draft.state == "draft"


# --- properties ----------------------------------------------------------------------------------

prices = st.decimals(min_value=Decimal("0.20"), max_value=Decimal("50000"), places=2)
titles = st.text(
    st.characters(whitelist_categories=["L", "Nd", "Zs"]), min_size=1, max_size=140
).filter(str.strip)


@settings(deadline=None)
@given(title=titles, price=prices, quantity=st.integers(0, 999))
def test_a_draft_equals_itself(title: str, price: Decimal, quantity: int) -> None:
    new = draft(title=title, price=price, inventory=inventory(str(price), quantity))
    assert diff_drafts(new, new) == ([], [])
    assert plan(new, link(S, new)).action == Action.UNCHANGED


@settings(deadline=None)
@given(old=prices, new=prices)
def test_a_price_change_is_an_inventory_change_only(old: Decimal, new: Decimal) -> None:
    before = draft(price=old, inventory=inventory(str(old)))
    after = draft(price=new, inventory=inventory(str(new)))
    expected = ([], []) if old == new else (["inventory"], [])
    assert diff_drafts(before, after) == expected


@settings(deadline=None)
@given(a=titles, b=titles)
def test_field_diffs_are_symmetric(a: str, b: str) -> None:
    one, other = draft(title=a), draft(title=b)
    assert diff_drafts(one, other) == diff_drafts(other, one)
    assert diff_drafts(one, other)[1] == ([] if a == b else ["title"])


def test_the_changes_staged_of_a_quiet_item_read_back_as_in_full() -> None:
    """Staging writes the changes of an item with nothing but warnings from a template (issue
    17): read back, it is what the full encoding gives, quotes and all."""
    import json

    from etsysync_cli.domain.planner import PlannedItem
    from etsysync_cli.store.jobs import _changes, _changes_json

    item = PlannedItem("p", "t", Action.CREATE, warnings=['tag "a" & \\ b', "é"])
    assert json.loads(_changes_json(item)) == _changes(item)
    assert _changes(item)["warnings"] == ['tag "a" & \\ b', "é"]
    item.sold_on_etsy = 2
    assert json.loads(_changes_json(item)) == _changes(item)  # not quiet: encoded in full
