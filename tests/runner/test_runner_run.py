"""The run as a whole: quota and auth stops, streaming, events, the stop switch, bugs."""

from __future__ import annotations

import threading

import pytest

from etsysync_cli.errors import EtsyAuthError, QuotaExhaustedError
from tests.runner.runner_helpers import (
    create_item,
    listings,
    make_draft,
    single_inventory,
    update_item,
)


@pytest.mark.parametrize("sandbox_options", [{"rpd": 5}])
def test_quota_exhausted_stops_and_leaves_the_rest_resumable(sb, push, recorder):
    items = [create_item(make_draft(f"Mug {n}", images=(n,)), f"p{n}") for n in range(4)]
    events = []

    summary = push(items, on_event=events.append)

    # item 0 takes 3 requests; item 1 is created and gets its image, then the day is spent
    assert summary.stopped_early
    assert (summary.synced, summary.failed) == (1, 0)
    assert isinstance(summary.stop_error, QuotaExhaustedError)
    assert summary.stop_reason is not None
    assert "quota" in summary.stop_reason and "Error:" not in summary.stop_reason
    assert set(recorder.outcomes) == {items[0].item_id}
    assert recorder.of(items[1].item_id) == ["create_intent", "created"]  # resumable
    assert recorder.of(items[2].item_id) == recorder.of(items[3].item_id) == []
    assert len(listings(sb)) == 2
    assert any(e.kind == "quota" for e in events)


def test_revoked_token_stops_the_run(sb, push, recorder):
    sb.revoke_access_tokens()
    items = [create_item(make_draft(f"Mug {n}")) for n in range(3)]

    summary = push(items)

    assert summary.stopped_early and summary.synced == summary.failed == 0
    assert isinstance(summary.stop_error, EtsyAuthError)
    assert summary.stop_reason is not None and "access token" in summary.stop_reason
    assert recorder.outcomes == {}


def test_items_are_streamed_and_stop_is_honoured(sb, push, recorder):
    pulled = []
    stop = threading.Event()

    def items():
        for n in range(100):
            pulled.append(n)
            yield create_item(make_draft(f"Mug {n}", images=()))

    def on_event(event):
        if event.kind == "item_finished":
            stop.set()

    summary = push(items(), concurrency=2, stop=stop, on_event=on_event)

    assert summary.stopped_early and summary.stop_reason == "stopped on request"
    assert summary.stop_error is None
    assert len(pulled) <= 2 * 2 + 2  # never more than the window ahead
    assert summary.synced == len(recorder.outcomes) == len(listings(sb))
    assert 1 <= summary.synced <= 2


def test_events(sb, push):
    events = []
    item = create_item(make_draft("Evented mug", images=(1,)), "ev")

    push([item], on_event=events.append)

    kinds = [e.kind for e in events]
    assert kinds == ["item_started", "item_finished"]
    finished = events[-1]
    assert (finished.product_id, finished.title, finished.ok) == ("ev", "Evented mug", True)
    assert finished.seconds is not None and finished.detail.startswith("https://www.etsy.com/")


def test_client_retries_are_forwarded(sb, push, recorder, client):
    draft = make_draft(images=())
    push([create_item(draft, "r")])
    before = next(iter(recorder.outcomes.values()))
    sb.set_fail_next(1, 503)  # the inventory PUT is retried by the client
    events = []
    seen_by_previous = []
    client.stats.on_event = seen_by_previous.append

    changed = draft.model_copy(update={"inventory": single_inventory(price="14.00")})
    summary = push([update_item(before, changed, {"inventory"})], on_event=events.append)

    assert summary.synced == 1 and summary.requests == 2
    [retry] = [e for e in events if e.kind == "retry"]
    assert retry.product_id == "r" and "updateListingInventory" in retry.detail
    assert any(e.kind == "retry" for e in seen_by_previous)  # the existing hook still runs
    assert client.stats.on_event == seen_by_previous.append  # and is put back


def test_a_bug_is_not_swallowed(sb, push, recorder):
    recorder.fail_finished = RuntimeError("the job store broke")
    with pytest.raises(RuntimeError, match="job store broke"):
        push([create_item(make_draft(f"Mug {n}", images=())) for n in range(3)])
    assert len(listings(sb)) == 1  # nothing new started after the failure
