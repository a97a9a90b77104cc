"""Resume without duplicates: a create that failed after Etsy made the listing, or a crash."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx

from tests.runner.runner_helpers import (
    create_item,
    image_shas,
    listings,
    make_draft,
    operations,
    sha,
)


def test_503_after_the_create_adopts_the_listing(sb, push, recorder):
    sb.set_fail_next(1, 503, after=True)  # Etsy made the draft, then answered 503
    item = create_item(make_draft(images=(1, 2)))

    summary = push([item])

    assert summary.synced == 1
    [listing] = listings(sb)
    assert image_shas(sb, listing.listing_id) == [sha(1), sha(2)]
    assert operations(sb)[:2] == ["createDraftListing", "getListingsByShop"]
    assert operations(sb).count("createDraftListing") == 1
    assert recorder.of(item.item_id) == ["create_intent", "created", "finished"]
    assert recorder.calls[1][2] == listing.listing_id


def test_503_before_the_create_creates_once(sb, push, recorder):
    sb.set_fail_next(1, 503)  # refused before anything happened
    item = create_item(make_draft(images=(1,)))

    summary = push([item])

    assert summary.synced == 1
    assert len(listings(sb)) == 1
    ops = operations(sb)
    assert ops.count("createDraftListing") == 2
    # looked once, in the drafts (a listing a create made is a draft), before creating again
    assert ops[1:3] == ["getListingsByShop", "createDraftListing"]
    assert recorder.of(item.item_id) == ["create_intent", "created", "finished"]


def test_create_attempts_are_bounded_by_the_retry_policy(sb, push, recorder, transport, client):
    creates = []

    def answer(request):
        if request.method == "POST" and request.url.path.endswith("/listings"):
            creates.append(request)
            return 500
        return None

    transport.answer = answer
    item = create_item(make_draft(images=(1,)))

    summary = push([item])

    attempts = client.retry.max_attempts
    assert summary.failed == 1 and len(creates) == attempts
    assert listings(sb) == []
    error = recorder.outcomes[item.item_id].error or ""
    assert error.startswith(f"Creating the listing ({attempts} attempts) failed: ")
    assert "500" in error


def test_crash_mid_create_adopts_the_listing(sb, push, recorder):
    draft = make_draft(images=(1, 2, 3))
    intent = datetime.now(UTC) - timedelta(seconds=5)
    existing = sb.create_listing_direct(title=draft.title)  # made just before the crash
    item = create_item(draft, create_intent_at=intent)

    summary = push([item])

    assert summary.synced == 1
    [listing] = listings(sb)
    assert listing.listing_id == existing["listing_id"]
    assert image_shas(sb, listing.listing_id) == [sha(1), sha(2), sha(3)]
    assert "createDraftListing" not in operations(sb)
    assert recorder.of(item.item_id) == ["created", "finished"]
    assert recorder.outcomes[item.item_id].listing_id == existing["listing_id"]


def test_crash_before_create_creates(sb, push, recorder):
    draft = make_draft(images=(1,))
    old = sb.create_listing_direct(title=draft.title)  # same title, long before the intent
    with sb.state.lock:
        sb.state.listings[old["listing_id"]].created_timestamp -= 3600
    item = create_item(draft, create_intent_at=datetime.now(UTC) - timedelta(seconds=5))

    summary = push([item])

    assert summary.synced == 1
    assert len(listings(sb)) == 2
    assert recorder.outcomes[item.item_id].listing_id != old["listing_id"]
    assert recorder.of(item.item_id) == ["create_intent", "created", "finished"]


def test_two_items_with_one_title_do_not_share_a_listing(sb, push, recorder):
    draft = make_draft(images=(1,))
    intent = datetime.now(UTC) - timedelta(seconds=5)
    sb.create_listing_direct(title=draft.title)
    a = create_item(draft, "a", create_intent_at=intent)
    b = create_item(draft, "b", create_intent_at=intent)

    summary = push([a, b], concurrency=2)

    assert summary.synced == 2
    assert len(listings(sb)) == 2
    assert recorder.outcomes[a.item_id].listing_id != recorder.outcomes[b.item_id].listing_id


def test_created_before_a_crash_is_continued(sb, push, recorder):
    draft = make_draft(images=(1, 2, 3))
    half = sb.create_listing_direct(title=draft.title, images=2)  # unknown images
    item = create_item(draft, listing_id=half["listing_id"])

    summary = push([item])

    assert summary.synced == 1
    [listing] = listings(sb)
    assert image_shas(sb, listing.listing_id) == [sha(1), sha(2), sha(3)]
    assert "createDraftListing" not in operations(sb)
    assert recorder.of(item.item_id) == ["finished"]


def test_created_before_a_crash_then_deleted_on_etsy(sb, push, recorder):
    item = create_item(make_draft(images=(1,)), listing_id=987654)

    summary = push([item])

    assert summary.synced == 1
    [listing] = listings(sb)
    outcome = recorder.outcomes[item.item_id]
    assert outcome.listing_id == listing.listing_id and outcome.recreated


def test_interrupted_recreate_is_finished(sb, push, recorder):
    """An update whose listing was being created again when the last run stopped, after
    `created` recorded the new listing: the new listing is completed, not updated."""
    draft = make_draft(images=(1, 2))
    new = sb.create_listing_direct(title=draft.title)  # the half-built replacement
    item = replace(
        create_item(draft, listing_id=new["listing_id"], create_intent_at=datetime.now(UTC)),
        action="update",
        changes=frozenset({"fields"}),
    )

    summary = push([item])

    assert (summary.synced, summary.recreated) == (1, 1)
    [listing] = listings(sb)
    assert image_shas(sb, listing.listing_id) == [sha(1), sha(2)]
    assert "createDraftListing" not in operations(sb)
    assert recorder.outcomes[item.item_id].recreated


def test_interrupted_recreate_before_it_was_recorded(sb, push, recorder):
    draft = make_draft(images=(1,))
    intent = datetime.now(UTC) - timedelta(seconds=2)
    made = sb.create_listing_direct(title=draft.title)  # created, but the crash lost its id
    item = replace(
        create_item(draft, listing_id=123456789, create_intent_at=intent),  # the deleted one
        action="update",
        changes=frozenset({"inventory"}),
    )

    summary = push([item])

    assert summary.synced == 1
    [listing] = listings(sb)
    outcome = recorder.outcomes[item.item_id]
    assert outcome.listing_id == made["listing_id"] == listing.listing_id and outcome.recreated
    assert recorder.of(item.item_id) == ["created", "finished"]


def test_an_upload_answered_500_after_it_landed_is_not_uploaded_twice(
    sb, push, recorder, transport
):
    failed_once: list[str] = []
    real = transport.handle_request

    def after_the_fact(request):
        response = real(request)
        if request.url.path.endswith("/images") and request.method == "POST" and not failed_once:
            failed_once.append(request.url.path)
            response.read()
            return httpx.Response(500, json={"error": "Server Error"}, request=request)
        return response

    transport.handle_request = after_the_fact
    item = create_item(make_draft(images=(1, 2, 3)))
    summary = push([item])

    assert summary.synced == 1, recorder.outcomes[item.item_id].error
    (listing,) = listings(sb)
    assert len(listing.image_ids) == 3, "the image that landed despite the 500 was sent again"
    assert len(image_shas(sb, listing.listing_id)) == len(set(image_shas(sb, listing.listing_id)))
