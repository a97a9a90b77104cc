"""The product-link state machine (store/links.py), tested as a table, and the invariants the
database holds on its own."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest

from etsysync_cli.domain.statuses import LinkStatus
from etsysync_cli.errors import ListingTakenError, LockedError
from etsysync_cli.store import jobs, links
from etsysync_cli.store.db import Store
from etsysync_cli.store.jobs import Job
from etsysync_cli.store.links import ALLOWED, Change, LinkStateError

P, S, F, OUT = (LinkStatus.PENDING, LinkStatus.SYNCED, LinkStatus.FAILED, LinkStatus.OUT_OF_SYNC)
EVERY: list[LinkStatus | None] = [None, P, S, F, OUT]

# The whole table, written out: (change, from, to) that are allowed. Everything else is not.
EXPECTED = {(Change.STAGED, before, P) for before in (None, P, S, F, OUT)} | {
    (Change.LISTING_CREATED, P, P),
    (Change.PUSHED, P, S),
    (Change.PUSH_FAILED, P, F),
    (Change.SOURCE_CHANGED, S, OUT),
    (Change.ABANDONED, P, F),
    (Change.VERIFIED, OUT, S),
    (Change.VERIFIED, S, S),  # an adopted listing found matching (no push recorded yet)
    *((Change.ADOPTED, before, after) for before in (None, S, F, OUT) for after in (S, OUT)),
    *((Change.RESTORED, P, after) for after in EVERY),
}


@pytest.mark.parametrize("change", list(Change))
@pytest.mark.parametrize("before", EVERY)
@pytest.mark.parametrize("after", EVERY)
def test_the_transition_table(change: Change, before: LinkStatus, after: LinkStatus) -> None:
    allowed = (change, before, after) in EXPECTED
    if allowed:
        links.check(change, before, after)
    else:
        with pytest.raises(LinkStateError):
            links.check(change, before, after)
    sources, targets = ALLOWED[change]
    assert (before in sources and after in targets) == allowed


def synced(store: Store, account_id: int, product_id: str, listing_id: int) -> None:
    links.stage(store, account_id, product_id, source_changed=False)
    links.record_listing(store, account_id, product_id, listing_id)
    links.record_push(store, account_id, product_id, pushed(listing_id))


def pushed(listing_id: int, ok: bool = True) -> links.PushResult:
    return links.PushResult(
        ok=ok,
        listing_id=listing_id,
        listing_url=f"https://example.invalid/{listing_id}",
        listing_state="draft",
        images=[],
        error=None if ok else "Etsy refused it",
        payload="{}" if ok else None,
        payload_fingerprint="fp" if ok else None,
        source_fingerprint="src" if ok else None,
    )


def test_a_plan_restores_a_link_it_still_owns(store: Store, account_id: int) -> None:
    synced(store, account_id, "a", 100)
    staged = links.stage(store, account_id, "a", source_changed=False)
    assert links.get(store, account_id, "a").sync_status == P
    assert links.restore(store, account_id, "a", staged)
    link = links.get(store, account_id, "a")
    assert (link.sync_status, link.etsy_listing_id) == (S, 100)


def test_a_plan_never_rolls_back_a_link_a_push_changed_since(store: Store, account_id: int) -> None:
    """The defect of issue 11, at the store: a plan snapshots a link while a push is creating
    its listing; the push records it; closing the plan must not put the old snapshot back."""
    first = links.stage(store, account_id, "a", source_changed=False)  # the pushing job's
    second = links.stage(store, account_id, "a", source_changed=False)  # a plan meanwhile
    assert first.previous == links.ABSENT
    links.record_listing(store, account_id, "a", 100)
    links.record_push(store, account_id, "a", pushed(100))
    assert not links.restore(store, account_id, "a", second)
    link = links.get(store, account_id, "a")
    assert (link.sync_status, link.etsy_listing_id) == (S, 100)


def test_a_new_link_is_removed_again_if_untouched(store: Store, account_id: int) -> None:
    staged = links.stage(store, account_id, "a", source_changed=False)
    assert links.restore(store, account_id, "a", staged)
    assert links.get(store, account_id, "a") is None


def test_source_changed_survives_closing_the_plan(store: Store, account_id: int) -> None:
    synced(store, account_id, "a", 100)
    staged = links.stage(store, account_id, "a", source_changed=True)
    assert links.restore(store, account_id, "a", staged)
    assert links.get(store, account_id, "a").sync_status == OUT


def test_a_push_outcome_needs_a_pending_link(store: Store, account_id: int) -> None:
    synced(store, account_id, "a", 100)
    with pytest.raises(LinkStateError):
        links.record_push(store, account_id, "a", pushed(100))
    with pytest.raises(LinkStateError):
        links.record_listing(store, account_id, "a", 101)


def test_a_failed_push_keeps_the_listing_and_says_why(store: Store, account_id: int) -> None:
    links.stage(store, account_id, "a", source_changed=False)
    links.record_push(store, account_id, "a", pushed(100, ok=False))
    link = links.get(store, account_id, "a")
    assert (link.sync_status, link.etsy_listing_id, link.sync_error) == (
        F,
        100,
        "Etsy refused it",
    )
    assert link.synced_payload is None


def test_every_change_bumps_the_revision(store: Store, account_id: int) -> None:
    revisions = []
    links.stage(store, account_id, "a", source_changed=False)
    revisions.append(links.get(store, account_id, "a").revision)
    links.record_listing(store, account_id, "a", 100)
    revisions.append(links.get(store, account_id, "a").revision)
    links.record_push(store, account_id, "a", pushed(100))
    revisions.append(links.get(store, account_id, "a").revision)
    assert revisions == sorted(set(revisions))


def test_the_database_refuses_two_products_on_one_listing(store: Store, account_id: int) -> None:
    synced(store, account_id, "blue", 100)
    links.stage(store, account_id, "rust", source_changed=False)
    with pytest.raises(ListingTakenError) as caught:
        links.record_listing(store, account_id, "rust", 100)
    assert caught.value.owner == "blue"
    assert "listing 100 is already linked to product blue" in caught.value.message
    # Below the state machine too: the unique index itself.
    with pytest.raises(sqlite3.IntegrityError), store.atomic() as db:
        db.execute(
            "UPDATE product_links SET etsy_listing_id = 100 WHERE product_id = 'rust'",
        )
    assert links.get(store, account_id, "rust").etsy_listing_id is None


def test_adopt_links_only_a_product_without_a_listing(store: Store, account_id: int) -> None:
    adoption = links.Adoption(
        listing_id=200,
        listing_url="https://example.invalid/200",
        status=OUT,
        source_fingerprint="src",
        metadata={"listing_state": "active"},
    )
    links.adopt(store, account_id, "a", adoption)
    link = links.get(store, account_id, "a")
    assert (link.sync_status, link.etsy_listing_id, link.listing_state) == (OUT, 200, "active")
    with pytest.raises(LinkStateError):
        links.adopt(store, account_id, "a", adoption)
    with pytest.raises(ListingTakenError):
        links.adopt(store, account_id, "b", adoption)


def test_one_pending_plan_per_shop(store: Store, account_id: int) -> None:
    row = {
        "account_id": account_id,
        "source": "file:x",
        "status": "pending",
        "created_at": "2026-01-01T00:00:00Z",
        "expires_at": "2026-01-01T01:00:00Z",
    }
    with store.atomic() as db:
        db.table("sync_jobs").insert({**row, "transaction_id": "txn_1"})
    with pytest.raises(sqlite3.IntegrityError), store.atomic() as db:
        db.table("sync_jobs").insert({**row, "transaction_id": "txn_2"})


def staged_job(store: Store, account_id: int) -> Job:
    with jobs.stage(
        store, account_id=account_id, source="file:x", ttl=timedelta(hours=1), options={}
    ) as stager:
        job_id = stager.job_id
    return jobs.job_by_id(store, job_id)


def test_a_plan_never_replaces_a_run_confirmed_in_the_background(
    store: Store, account_id: int
) -> None:
    """`confirm --background` marks the job confirmed before the detached run takes the lock:
    a plan in between must not close it (the run would then find it cancelled)."""
    job = jobs.mark_confirmed(store, staged_job(store, account_id))
    assert job.status == "confirmed"
    with pytest.raises(LockedError) as caught:
        jobs.supersede_unfinished(store, account_id)
    assert f"etsysync confirm {job.transaction_id}" in (caught.value.hint or "")
    assert jobs.check_confirmable(store, job.transaction_id, account_id).status == "confirmed"


def test_a_plan_replaces_a_run_nobody_runs_any_more(store: Store, account_id: int) -> None:
    job = jobs.start_run(store, staged_job(store, account_id))
    links.stage(store, account_id, "a", source_changed=False)
    with store.atomic() as db:
        db.execute(
            "INSERT INTO plan_items (job_id, product_id, action) VALUES (?, 'a', 'create')",
            [job.id],
        )
    jobs.finish_run(store, job.id, stopped_early=True)  # paused: a product left to push
    assert jobs.job_by_id(store, job.id).status == "paused"
    (closed,) = jobs.supersede_unfinished(store, account_id)
    assert closed.transaction_id == job.transaction_id
    assert jobs.job_by_id(store, job.id).status == "superseded"
    assert links.get(store, account_id, "a").sync_status == P  # carried by the next plan
    newer = staged_job(store, account_id)
    old = jobs.job_by_id(store, job.id)
    assert old.superseded_by == newer.transaction_id  # named once the new plan is staged
    refused = jobs.refusal(old)
    assert refused is not None and "its run had synced 0" in refused.message
    assert f"etsysync confirm {newer.transaction_id}" in (refused.hint or "")
