"""create: a new listing with its images in order, its full inventory, and the wanted state."""

from __future__ import annotations

from decimal import Decimal

from etsysync_cli.etsy.listings import EDIT_URL
from tests.runner.runner_helpers import (
    create_item,
    grid_inventory,
    image_ids,
    image_shas,
    listings,
    make_draft,
    operations,
    sha,
)


def test_create_with_images_and_variants(sb, push, recorder):
    draft = make_draft(images=(1, 2, 3), inventory=grid_inventory(["Red", "Blue"], ["S", "M", "L"]))
    item = create_item(draft, "mug-1")

    summary = push([item])

    assert (summary.synced, summary.failed, summary.stopped_early) == (1, 0, False)
    [listing] = listings(sb)
    assert listing.state == "draft"
    assert image_shas(sb, listing.listing_id) == [sha(1), sha(2), sha(3)]
    products = listing.inventory.products
    assert len(products) == 6
    assert {p.sku for p in products} == {
        f"MUG-{c}-{s}" for c in ("RED", "BLUE") for s in ("S", "M", "L")
    }
    assert {tuple(v.values[0] for v in p.property_values) for p in products} == {
        (c, s) for c in ("Red", "Blue") for s in ("S", "M", "L")
    }
    # create, three uploads with their rank, one inventory PUT: nothing else
    assert operations(sb) == [
        "createDraftListing",
        *["uploadListingImage"] * 3,
        "updateListingInventory",
    ]
    assert summary.requests == 5

    outcome = recorder.outcomes[item.item_id]
    assert outcome.ok and outcome.error is None and not outcome.recreated
    assert outcome.listing_id == listing.listing_id
    assert outcome.listing_state == "draft"
    assert outcome.listing_url == EDIT_URL.format(listing_id=listing.listing_id)
    assert [i.listing_image_id for i in outcome.images] == image_ids(sb, listing.listing_id)
    assert [i.sha256 for i in outcome.images] == [sha(1), sha(2), sha(3)]
    assert [i.source for i in outcome.images] == [r.source for r in draft.images]
    # the intent is durable before the create, the listing id right after it
    assert recorder.of(item.item_id) == ["create_intent", "created", "finished"]
    assert recorder.calls[1][2] == listing.listing_id


def test_create_active_publishes_after_images_and_inventory(sb, push, recorder):
    item = create_item(make_draft(images=(1,), state="active"))

    summary = push([item])

    assert summary.synced == 1
    [listing] = listings(sb)
    assert listing.state == "active"
    assert operations(sb)[-1] == "updateListing"
    outcome = recorder.outcomes[item.item_id]
    assert outcome.listing_state == "active"
    assert outcome.listing_url is not None
    assert outcome.listing_url.startswith(f"https://www.etsy.com/listing/{listing.listing_id}/")
    assert sb.state.stats["listings_published"] == 1


def test_active_without_image_fails_before_any_request(sb, push, recorder):
    item = create_item(make_draft(images=(), state="active"))

    summary = push([item])

    assert (summary.synced, summary.failed, summary.requests) == (0, 1, 0)
    assert listings(sb) == []
    outcome = recorder.outcomes[item.item_id]
    assert not outcome.ok and outcome.listing_id is None
    assert "at least one image" in (outcome.error or "")
    assert recorder.of(item.item_id) == ["finished"]


def test_draft_without_image_is_created(sb, push, recorder):
    item = create_item(make_draft(images=()))
    assert push([item]).synced == 1
    assert operations(sb) == ["createDraftListing", "updateListingInventory"]


def test_prices_are_sent_exactly(sb, push, transport):
    draft = make_draft(images=(), price=Decimal("19.99"))
    push([create_item(draft)])
    [form] = transport.forms("POST")
    assert form["price"] == "19.99"
    assert form["who_made"] == "i_did" and form["is_supply"] == "false"
    [listing] = listings(sb)
    assert listing.inventory.products[0].offerings[0].price == 1250  # the inventory's price


def test_validation_failure_fails_that_item_only(sb, push, recorder):
    good1 = create_item(make_draft("Blue mug", images=(1,)), "a")
    bad = create_item(make_draft("Costs $5 mug", images=(2,)), "b")  # Etsy refuses "$"
    good2 = create_item(make_draft("Green mug", images=(3,)), "c")

    summary = push([good1, bad, good2], concurrency=2)

    assert (summary.synced, summary.failed, summary.stopped_early) == (2, 1, False)
    assert sorted(x.title for x in listings(sb)) == ["Blue mug", "Green mug"]
    outcome = recorder.outcomes[bad.item_id]
    assert not outcome.ok and outcome.listing_id is None
    assert outcome.error is not None
    assert outcome.error.startswith("Etsy refused the listing: ")
    assert "$" in outcome.error  # Etsy's own text names the character
    assert recorder.of(bad.item_id) == ["create_intent", "finished"]


def test_failure_after_create_reports_the_listing(sb, push, recorder):
    inventory = grid_inventory(["Red"], ["S"], price="0.01")  # below Etsy's minimum price
    item = create_item(make_draft(images=(1,), inventory=inventory, price=Decimal("5")))

    summary = push([item])

    assert summary.failed == 1
    [listing] = listings(sb)
    outcome = recorder.outcomes[item.item_id]
    assert outcome.listing_id == listing.listing_id  # kept: the next run continues it
    assert outcome.listing_state == "draft"
    assert [i.sha256 for i in outcome.images] == [sha(1)]
    assert outcome.error is not None
    assert outcome.error.startswith("Etsy refused the inventory: ")
    assert "price" in outcome.error


def test_image_that_cannot_be_loaded_fails_before_any_write(sb, push, recorder):
    draft = make_draft(images=(1,))
    broken = draft.model_copy(
        update={"images": [*draft.images, draft.images[0].model_copy(update={"source": "x.png"})]}
    )
    item = create_item(broken)
    other = create_item(make_draft("Other mug", images=(2,)))

    summary = push([item, other])

    assert (summary.synced, summary.failed) == (1, 1)
    assert [x.title for x in listings(sb)] == ["Other mug"]
    error = recorder.outcomes[item.item_id].error or ""
    assert error.startswith("image 2: ") and "x.png" in error


def test_concurrent_creates(sb, push, recorder):
    items = [
        create_item(make_draft(f"Mug number {n}", images=(n, n + 100)), f"p{n}")
        for n in range(1, 13)
    ]

    summary = push(iter(items), concurrency=4)

    assert (summary.synced, summary.failed) == (12, 0)
    by_title = {x.title: x for x in listings(sb)}
    assert len(by_title) == 12
    for n in range(1, 13):
        listing = by_title[f"Mug number {n}"]
        assert image_shas(sb, listing.listing_id) == [sha(n), sha(n + 100)]
