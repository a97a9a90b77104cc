"""update: only what changed is sent; images by content; a listing deleted on Etsy comes back."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from tests.runner.runner_helpers import (
    create_item,
    grid_inventory,
    image_ids,
    image_shas,
    listings,
    make_draft,
    operations,
    sha,
    single_inventory,
    update_item,
)


@pytest.fixture
def synced(sb, push, recorder):
    """Create a listing through the runner; returns a function giving (draft, outcome)."""

    def make(**kw):
        draft = make_draft(**kw)
        item = create_item(draft)
        assert push([item]).synced == 1
        sb.clear_request_log()
        return draft, recorder.outcomes[item.item_id]

    return make


def test_price_change_is_one_inventory_put(sb, push, recorder, synced):
    draft, before = synced(images=(1, 2))
    changed = draft.model_copy(
        update={"inventory": single_inventory(price="15.00"), "price": Decimal("15.00")}
    )
    item = update_item(before, changed, {"inventory"})

    summary = push([item])

    assert summary.synced == 1 and summary.requests == 1
    assert operations(sb) == ["updateListingInventory"]
    listing = listings(sb)[0]
    assert listing.inventory.products[0].offerings[0].price == 1500
    outcome = recorder.outcomes[item.item_id]
    assert outcome.images == before.images  # untouched, still reported
    assert outcome.listing_state == "draft" and outcome.listing_id == before.listing_id


def test_variant_added_is_one_inventory_put(sb, push, synced):
    draft, before = synced(inventory=grid_inventory(["Red", "Blue"], ["S"]))
    changed = draft.model_copy(
        update={"inventory": grid_inventory(["Red", "Blue", "Green"], ["S"])}
    )

    push([update_item(before, changed, {"inventory"})])

    assert operations(sb) == ["updateListingInventory"]
    products = listings(sb)[0].inventory.products
    assert [p.property_values[0].values[0] for p in products] == ["Red", "Blue", "Green"]


def test_fields_change_patches_only_those_fields(sb, push, transport, synced):
    draft, before = synced()
    changed = draft.model_copy(update={"title": "Speckled mug, large", "tags": ["mug", "large"]})
    transport.sent.clear()

    push([update_item(before, changed, {"fields"}, ("title", "tags"))])

    assert operations(sb) == ["updateListing"]
    [form] = transport.forms("PATCH")
    assert form == {"title": "Speckled mug, large", "tags": "mug,large"}
    listing = listings(sb)[0]
    assert (listing.title, listing.tags) == ("Speckled mug, large", ["mug", "large"])


def test_who_made_travels_with_when_made_and_is_supply(sb, push, transport, synced):
    draft, before = synced()
    changed = draft.model_copy(update={"when_made": "2010_2019"})
    transport.sent.clear()

    push([update_item(before, changed, {"fields"}, ("when_made",))])

    [form] = transport.forms("PATCH")
    assert form == {"who_made": "i_did", "when_made": "2010_2019", "is_supply": "false"}


def test_one_image_replaced_costs_two_requests(sb, push, recorder, synced):
    _draft, before = synced(images=(1, 2, 3))
    kept_first, kept_last = before.images[0], before.images[2]
    changed = make_draft(images=(1, 4, 3))
    item = update_item(before, changed, {"images"})

    summary = push([item])

    # The new image goes up at rank 2, beside the old one there (etsy-api.md §10.11: nothing
    # is renumbered); one image_ids update then drops the old one and sets the order.
    assert summary.requests <= 2
    assert operations(sb) == ["uploadListingImage", "updateListing"]
    listing_id = before.listing_id
    assert image_shas(sb, listing_id) == [sha(1), sha(4), sha(3)]
    outcome = recorder.outcomes[item.item_id]
    assert [i.listing_image_id for i in outcome.images] == image_ids(sb, listing_id)
    assert outcome.images[0] == kept_first and outcome.images[2] == kept_last
    assert outcome.images[1].sha256 == sha(4)


def test_only_image_of_active_listing_replaced(sb, push, synced):
    _draft, before = synced(images=(1,), state="active")
    push([update_item(before, make_draft(images=(2,), state="active"), {"images"})])
    # never image-less: upload first, then image_ids drops the old one (§10.12)
    assert operations(sb) == ["uploadListingImage", "updateListing"]
    assert image_shas(sb, before.listing_id) == [sha(2)]
    assert listings(sb)[0].state == "active"


def read_back(sb, client, listing_id):
    """(sha256, rank) of each image, in the order getListingImages returns them."""
    with sb.state.lock:
        hashes = {i: image.sha256 for i, image in sb.state.images.items()}
    return [(hashes[i.listing_image_id], i.rank) for i in client.get_listing_images(listing_id)]


def test_all_images_of_a_draft_replaced(sb, push, recorder, client, synced):
    """The old delete-all path: Etsy refuses to delete a listing's last image, drafts included
    (etsy-api.md §10.12), so the new images go up first and image_ids drops the old ones."""
    _draft, before = synced(images=(1, 2, 3))
    item = update_item(before, make_draft(images=(4, 5, 6)), {"images"})

    assert push([item]).synced == 1

    assert operations(sb).count("deleteListingImage") == 0
    assert read_back(sb, client, before.listing_id) == [(sha(4), 1), (sha(5), 2), (sha(6), 3)]
    outcome = recorder.outcomes[item.item_id]
    assert [i.listing_image_id for i in outcome.images] == image_ids(sb, before.listing_id)


def test_a_reorder_reads_back_in_the_wanted_order(sb, push, client, synced):
    _draft, before = synced(images=(1, 2, 3))
    item = update_item(before, make_draft(images=(2, 3, 1)), {"images"})

    assert push([item]).synced == 1

    assert read_back(sb, client, before.listing_id) == [(sha(2), 1), (sha(3), 2), (sha(1), 3)]


def test_a_product_that_lost_all_its_images_fails_before_any_write(sb, push, recorder, synced):
    """Etsy keeps a listing's last image (§10.12): the product fails with what to do, and
    the listing keeps its images."""
    _draft, before = synced(images=(1, 2))
    item = update_item(before, make_draft("Blue mug, new title", images=()), {"fields", "images"})

    assert push([item]).failed == 1

    assert operations(sb) == []
    error = recorder.outcomes[item.item_id].error or ""
    assert "does not let a listing lose its last image" in error
    assert image_shas(sb, before.listing_id) == [sha(1), sha(2)]


def test_reorder_only_is_one_request(sb, push, recorder, synced):
    _draft, before = synced(images=(1, 2, 3))
    item = update_item(before, make_draft(images=(3, 1, 2)), {"images"})

    assert push([item]).requests == 1

    assert operations(sb) == ["updateListing"]
    assert image_shas(sb, before.listing_id) == [sha(3), sha(1), sha(2)]
    outcome = recorder.outcomes[item.item_id]
    assert outcome.images == (before.images[2], before.images[0], before.images[1])


def test_images_changed_same_content_new_source(sb, push, recorder, synced):
    draft, before = synced(images=(1,))
    moved = draft.images[0].model_copy(update={"source": "/elsewhere/img-1.png"})
    item = update_item(before, draft.model_copy(update={"images": [moved]}), {"images"})
    push([item])
    assert operations(sb) == []  # same bytes: nothing to send
    assert recorder.outcomes[item.item_id].images[0].source == "/elsewhere/img-1.png"


def test_image_cap_never_exceeded(sb, push, recorder, synced):
    _draft, before = synced(images=range(1, 21))
    item = update_item(before, make_draft(images=range(21, 41)), {"images"})

    summary = push([item])

    assert summary.synced == 1, recorder.outcomes[item.item_id].error
    assert image_shas(sb, before.listing_id) == [sha(n) for n in range(21, 41)]
    assert operations(sb).count("uploadListingImage") == 20
    assert operations(sb).count("deleteListingImage") == 20
    # replayed against the log: the listing never held more than 20 images
    count, peak = 20, 20
    for operation in operations(sb):
        count += {"uploadListingImage": 1, "deleteListingImage": -1}.get(operation, 0)
        peak = max(peak, count)
    assert peak == 20


def test_image_added_on_etsy_by_hand_is_cleared_at_the_cap(sb, push, recorder, synced):
    _draft, before = synced(images=range(1, 20))  # 19 images
    stray = sb.create_listing_direct(images=1)["images"][0]["listing_image_id"]
    with sb.state.lock:  # the seller adds a 20th photo on etsy.com
        sb.state.images[stray].listing_id = before.listing_id
        sb.state.listings[before.listing_id].image_ids.append(stray)
    item = update_item(before, make_draft(images=range(1, 21)), {"images"})

    summary = push([item])

    assert summary.synced == 1, recorder.outcomes[item.item_id].error
    assert image_shas(sb, before.listing_id) == [sha(n) for n in range(1, 21)]
    assert stray not in image_ids(sb, before.listing_id)
    # refused at the cap, looked, removed the stray, uploaded again, set the order
    assert operations(sb) == [
        "uploadListingImage",
        "getListingImages",
        "deleteListingImage",
        "uploadListingImage",
        "updateListing",
    ]


def test_state_change_to_active_after_images(sb, push, recorder, synced):
    _draft, before = synced(images=())
    item = update_item(before, make_draft(images=(1,), state="active"), {"images", "state"})

    push([item])

    assert operations(sb) == ["uploadListingImage", "updateListing"]
    assert listings(sb)[0].state == "active"
    assert recorder.outcomes[item.item_id].listing_state == "active"


def test_fields_and_activation_share_one_patch(sb, push, transport, synced):
    draft, before = synced(images=(1,))
    changed = draft.model_copy(update={"title": "Now for sale", "state": "active"})
    transport.sent.clear()

    push([update_item(before, changed, {"fields", "state"}, ("title",))])

    assert transport.forms("PATCH") == [{"title": "Now for sale", "state": "active"}]
    assert listings(sb)[0].state == "active"


def test_listing_deleted_on_etsy_is_created_again(sb, push, recorder, synced):
    draft, before = synced(images=(1, 2), inventory=grid_inventory(["Red", "Blue"], ["S"]))
    with sb.state.lock:
        del sb.state.listings[before.listing_id]
    item = update_item(before, draft.model_copy(update={"title": "Renamed mug"}), {"fields"})

    summary = push([item])

    assert (summary.synced, summary.recreated) == (1, 1)
    [listing] = listings(sb)
    assert listing.listing_id != before.listing_id and listing.title == "Renamed mug"
    assert image_shas(sb, listing.listing_id) == [sha(1), sha(2)]
    assert len(listing.inventory.products) == 2
    outcome = recorder.outcomes[item.item_id]
    assert outcome.recreated and outcome.ok and outcome.listing_id == listing.listing_id
    assert recorder.of(item.item_id) == ["create_intent", "created", "finished"]


def test_image_already_deleted_on_etsy_is_not_an_error(sb, push, recorder, synced):
    _draft, before = synced(images=(1, 2))
    gone = before.images[1].listing_image_id
    with sb.state.lock:
        sb.state.listings[before.listing_id].image_ids.remove(gone)
    item = update_item(before, make_draft(images=(1, 3)), {"images"})

    summary = push([item])

    assert summary.synced == 1
    assert image_shas(sb, before.listing_id) == [sha(1), sha(3)]


def test_deactivate(sb, push, recorder, synced):
    draft, before = synced(images=(1,), state="active")
    deactivate = replace(update_item(before, draft, set()), action="deactivate", draft=None)

    push([deactivate])

    assert listings(sb)[0].state == "inactive"
    outcome = recorder.outcomes[deactivate.item_id]
    assert outcome.ok and outcome.listing_state == "inactive"


def test_deactivate_a_listing_already_gone(sb, push, recorder, synced):
    draft, before = synced(images=(1,), state="active")
    with sb.state.lock:
        del sb.state.listings[before.listing_id]
    item = replace(update_item(before, draft, set()), action="deactivate", draft=None)

    push([item])

    outcome = recorder.outcomes[item.item_id]
    assert outcome.ok and outcome.listing_state is None and listings(sb) == []


def test_deactivating_a_draft_etsy_refuses_is_a_failure(sb, push, recorder, synced):
    # Etsy refuses to deactivate a draft: the listing is still there, so not "synced" (issue 16).
    draft, before = synced(images=(1,))
    item = replace(update_item(before, draft, set()), action="deactivate", draft=None)

    summary = push([item])

    outcome = recorder.outcomes[item.item_id]
    assert summary.failed == 1 and not outcome.ok and outcome.listing_state == "draft"
    assert outcome.error is not None
    assert "refuses to deactivate a draft" in outcome.error
    assert "Cannot deactivate a listing in this state" in outcome.error  # Etsy's own words
    assert listings(sb)[0].state == "draft"


def test_failure_part_way_through_images_reports_what_the_listing_holds(
    sb, push, recorder, transport, synced
):
    _draft, before = synced(images=(1, 2, 3))
    uploads = []

    def answer(request):
        if request.method == "POST" and request.url.path.endswith("/images"):
            uploads.append(request)
            if len(uploads) == 2:
                return 400  # Etsy refuses the second new image
        return None

    transport.answer = answer
    item = update_item(before, make_draft(images=(1, 4, 5)), {"images"})

    summary = push([item])

    assert summary.failed == 1
    outcome = recorder.outcomes[item.item_id]
    assert outcome.error is not None and outcome.error.startswith("Etsy refused an image: ")
    # what the listing really holds now, so the next sync starts from it: old images are
    # only dropped by the final image_ids, so 2 and 3 are still there
    assert [i.sha256 for i in outcome.images] == [sha(1), sha(4), sha(2), sha(3)]
    assert [i.listing_image_id for i in outcome.images] == image_ids(sb, before.listing_id)
