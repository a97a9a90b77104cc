"""The three-way rule of domain/refresh.py (issue 14): base (last pushed), Etsy now, store now."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from etsysync_cli.domain.listing import ListingDraft
from etsysync_cli.domain.matching import ShopListing
from etsysync_cli.domain.refresh import (
    EtsyPolicy,
    etsy_quantities,
    reconcile,
    without_sales_since,
)
from tests.runner.runner_helpers import grid_inventory, make_draft, single_inventory


def on_etsy(draft: ListingDraft, *, state: str = "active", image_ids=(1,), **fields: Any):
    """The listing as Etsy would read back after pushing `draft`, with `fields` edited."""
    values = {**draft.update_fields(), "production_partner_ids": None, **fields}
    inventory = fields.pop("inventory", draft.inventory)
    values.pop("inventory", None)
    return ShopListing(
        listing_id=77,
        title=values["title"],
        state=state,
        url="",
        fields=values,
        image_ids=tuple(image_ids),
        inventory=inventory,
    )


BASE = make_draft("Speckled Mug", state="active", inventory=single_inventory("12.50", 5, "MUG-1"))


def by_field(result) -> dict[str, Any]:
    return {c.field: c for c in result.changes}


def test_nothing_moved_sends_nothing() -> None:
    result = reconcile(BASE, on_etsy(BASE), BASE, base_image_ids=[1])
    assert result.changes == []
    assert not (result.send_fields or result.send_inventory or result.send_images)
    assert not result.send_state
    assert result.draft == BASE


def test_a_store_change_is_sent_as_before() -> None:
    store = BASE.model_copy(update={"title": "Speckled Mug, large"})
    result = reconcile(BASE, on_etsy(BASE), store, base_image_ids=[1])
    assert result.changes == []
    assert result.send_fields == ["title"]
    assert result.draft.title == "Speckled Mug, large"


def test_an_etsy_edit_is_kept_and_remembered_then_quiet() -> None:
    etsy = on_etsy(BASE, title="Speckled Mug - Handmade Stoneware")
    first = reconcile(BASE, etsy, BASE, base_image_ids=[1])
    (change,) = first.changes
    assert (change.field, change.resolution) == ("title", "keep_etsy")
    assert (change.synced, change.etsy, change.store) == (
        "Speckled Mug",
        "Speckled Mug - Handmade Stoneware",
        "Speckled Mug",
    )
    assert first.draft.title == "Speckled Mug - Handmade Stoneware"  # a push leaves it in place
    assert first.send_fields == []
    # Next plan, nothing moved: kept silently.
    again = reconcile(BASE, etsy, BASE, accepted=first.accepted, base_image_ids=[1])
    assert again.changes == [] and again.send_fields == []
    assert again.draft.title == "Speckled Mug - Handmade Stoneware"


def test_a_kept_field_the_store_then_changes_is_a_conflict_the_store_wins() -> None:
    etsy = on_etsy(BASE, title="Etsy's title")
    first = reconcile(BASE, etsy, BASE, base_image_ids=[1])
    store = BASE.model_copy(update={"title": "The store's new title"})
    # The kept title was pushed with another change: the base now holds Etsy's title.
    pushed = BASE.model_copy(update={"title": "Etsy's title"})
    result = reconcile(pushed, etsy, store, accepted=first.accepted, base_image_ids=[1])
    (change,) = result.changes
    assert change.resolution == "conflict_store_wins"
    assert (change.synced, change.etsy, change.store) == (
        "Speckled Mug",
        "Etsy's title",
        "The store's new title",
    )
    assert result.send_fields == ["title"] and "title" not in result.accepted


def test_both_changed_the_store_wins() -> None:
    etsy = on_etsy(BASE, description="Edited on Etsy")
    store = BASE.model_copy(update={"description": "Edited in the store"})
    result = reconcile(BASE, etsy, store, base_image_ids=[1])
    assert by_field(result)["description"].resolution == "conflict_store_wins"
    assert result.send_fields == ["description"]


def test_overwrite_makes_the_store_win_over_an_etsy_edit() -> None:
    etsy = on_etsy(BASE, tags=["etsy", "tags"])
    policy = EtsyPolicy(overwrite_edits=True)
    result = reconcile(BASE, etsy, BASE, base_image_ids=[1], policy=policy)
    assert by_field(result)["tags"].resolution == "store_wins"
    assert result.send_fields == ["tags"]


def test_the_same_edit_on_both_sides_is_nothing() -> None:
    etsy = on_etsy(BASE, title="Same")
    store = BASE.model_copy(update={"title": "Same"})
    result = reconcile(BASE, etsy, store, base_image_ids=[1])
    assert result.changes == [] and result.send_fields == []


def test_a_price_edited_on_etsy_is_kept_in_the_inventory_pushed() -> None:
    edited = single_inventory("15.00", 5, "MUG-1")
    store = BASE.model_copy(update={"title": "New title"})
    result = reconcile(BASE, on_etsy(BASE, inventory=edited), store, base_image_ids=[1])
    change = by_field(result)["variants[MUG-1].price"]
    assert (change.synced, change.etsy, change.store, change.resolution) == (
        "12.5",
        "15",
        "12.5",
        "keep_etsy",
    )
    assert result.draft.inventory.products[0].offerings[0].price == Decimal("15.00")
    assert not result.send_inventory  # only the title goes
    assert result.send_fields == ["title"]


def test_units_sold_on_etsy_are_never_put_back() -> None:
    sold = on_etsy(BASE, inventory=single_inventory("12.50", 3, "MUG-1"))  # 2 sold
    result = reconcile(BASE, sold, BASE, base_image_ids=[1])
    assert result.sold == 2
    change = by_field(result)["variants[MUG-1].quantity"]
    assert (change.synced, change.etsy, change.store, change.resolution) == (5, 3, 5, "keep_etsy")
    assert result.draft.inventory.products[0].offerings[0].quantity == 3
    assert not result.send_inventory
    assert result.held_back


def test_a_restock_in_the_store_adds_to_what_etsy_has() -> None:
    sold = on_etsy(BASE, inventory=single_inventory("12.50", 3, "MUG-1"))  # 2 sold on Etsy
    store = BASE.model_copy(update={"inventory": single_inventory("12.50", 9, "MUG-1")})  # +4
    result = reconcile(BASE, sold, store, base_image_ids=[1])
    assert result.draft.inventory.products[0].offerings[0].quantity == 7  # 3 + 4
    assert by_field(result)["variants[MUG-1].quantity"].resolution == "store_wins"
    assert result.send_inventory


def pushed_quantity(result) -> int:
    return int(result.draft.inventory.products[0].offerings[0].quantity)


def test_a_restock_is_counted_from_the_store_number_of_the_push_that_held_units_back() -> None:
    """Pushed 5; 2 sold on Etsy (3); the store says 9 (+4): 7 goes up, and the store's 9 is
    remembered. Had that push happened (its mark changed), the store's next +1 adds 1 to what
    Etsy has; had it not (the plan was replaced, same mark), the +5 since the real last push
    still counts, never the memory of a plan that was never pushed."""
    sold = on_etsy(BASE, inventory=single_inventory("12.50", 3, "MUG-1"))
    store = BASE.model_copy(update={"inventory": single_inventory("12.50", 9, "MUG-1")})
    first = reconcile(BASE, sold, store, base_image_ids=[1], push_mark="t1 fp1")
    assert pushed_quantity(first) == 7
    # Not pushed: the next plan meets the same last push (and store 10).
    more = BASE.model_copy(update={"inventory": single_inventory("12.50", 10, "MUG-1")})
    replaced = reconcile(
        BASE, sold, more, accepted=first.accepted, base_image_ids=[1], push_mark="t1 fp1"
    )
    assert pushed_quantity(replaced) == 8  # 3 on Etsy + 5 since the push of 5
    # Pushed (7 on Etsy, 7 recorded as the last push), then the store says 10.
    after = first.draft
    on_etsy_now = on_etsy(after)
    again = reconcile(
        after, on_etsy_now, more, accepted=first.accepted, base_image_ids=[1], push_mark="t2 fp2"
    )
    assert pushed_quantity(again) == 8  # 7 + the 1 the store gained since it said 9


def test_a_listing_deactivated_on_etsy_is_not_published_again_unless_asked() -> None:
    etsy = on_etsy(BASE, state="inactive")
    kept = reconcile(BASE, etsy, BASE, base_image_ids=[1])
    assert by_field(kept)["state"].resolution == "keep_etsy"
    assert not kept.send_state and kept.draft.state == "draft"
    again = reconcile(BASE, etsy, BASE, base_image_ids=[1], policy=EtsyPolicy(reactivate=True))
    assert by_field(again)["state"].resolution == "store_wins" and again.send_state


def test_images_rearranged_on_etsy_are_kept_unless_the_store_changed_them() -> None:
    base = BASE.model_copy(update={"images": make_draft(images=(1, 2)).images})
    etsy = on_etsy(base, image_ids=(2, 1))
    kept = reconcile(base, etsy, base, base_image_ids=[1, 2])
    assert by_field(kept)["images"].resolution == "keep_etsy" and not kept.send_images
    store = base.model_copy(update={"images": make_draft(images=(3,)).images})
    changed = reconcile(base, etsy, store, base_image_ids=[1, 2])
    assert by_field(changed)["images"].resolution == "conflict_store_wins"
    assert changed.send_images


def test_variations_added_on_etsy_keep_etsys_inventory() -> None:
    base = BASE.model_copy(update={"inventory": grid_inventory(["blue"], ["s"])})
    etsy = on_etsy(base, inventory=grid_inventory(["blue", "rust"], ["s"]))
    result = reconcile(base, etsy, base, base_image_ids=[1])
    assert by_field(result)["variants"].resolution == "keep_etsy"
    assert len(result.draft.inventory.products) == 2 and not result.send_inventory


def test_units_sold_since_the_plan_come_off_each_variant_never_below_zero() -> None:
    planned = grid_inventory(["Blue"], ["S", "M"])  # 2 each at the plan's read
    then = etsy_quantities(planned)
    now = planned.model_copy(
        update={
            "products": [
                planned.products[0].model_copy(
                    update={
                        "offerings": [
                            planned.products[0].offerings[0].model_copy(update={"quantity": 0})
                        ]
                    }
                ),
                planned.products[1],
            ]
        }
    )  # both Blue/S sold on Etsy since
    wanted = planned.model_copy(
        update={
            "products": [
                p.model_copy(
                    update={"offerings": [p.offerings[0].model_copy(update={"quantity": q})]}
                )
                for p, q in zip(planned.products, (1, 5), strict=True)
            ]
        }
    )  # the push would write 1 and 5

    lowered, taken = without_sales_since(wanted, then, now)

    assert [p.offerings[0].quantity for p in lowered.products] == [0, 5]
    assert taken == 1  # 2 sold, but only 1 was to be written
    assert without_sales_since(wanted, then, planned) == (wanted, 0)  # nothing sold since


def test_a_processing_profile_changed_in_the_store_is_sent() -> None:
    """Etsy's side of it is not compared, but the store's change since the last push is."""
    inventory = BASE.inventory.model_copy(
        update={
            "products": [
                p.model_copy(
                    update={
                        "offerings": [
                            o.model_copy(update={"readiness_state_id": 42}) for o in p.offerings
                        ]
                    }
                )
                for p in BASE.inventory.products
            ]
        }
    )
    store = BASE.model_copy(update={"inventory": inventory})
    result = reconcile(BASE, on_etsy(BASE), store, base_image_ids=[1])
    assert result.send_inventory
    assert not reconcile(BASE, on_etsy(BASE), BASE, base_image_ids=[1]).send_inventory
