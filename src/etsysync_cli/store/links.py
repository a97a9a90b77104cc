"""Product links: one row per (account, product), and the one place that changes them.

A link says which Etsy listing a product is (`etsy_listing_id`), how it stands
(`sync_status`), and what was last pushed (fingerprints and payload, the planner's base).
Every change of a link is one `Change` of this state machine, checked against `ALLOWED`:

    change           from                            to
    staged           none, pending, synced, failed,  pending       a plan will push it
                     out_of_sync
    listing_created  pending                         pending       the push made its listing
    pushed           pending                         synced        the push succeeded
    push_failed      pending                         failed        the push failed
    source_changed   synced                          out_of_sync   a plan saw the store change
    adopted          none, synced, failed,           synced or     a listing on Etsy linked
                     out_of_sync                     out_of_sync   (only without a listing)
    restored         pending                         the snapshot  its plan closed unpushed
    abandoned        pending                         failed        its run was abandoned
    verified         out_of_sync, synced             synced        a plan read the listing and
                                                                   it holds what the store wants

Each write bumps the link's `revision`, and checks the status and revision it read (a
compare-and-set), so two writers can never silently undo each other:

- **A plan only ever restores a link it still owns.** Staging records the revision it wrote;
  cancelling, expiring or replacing the plan puts the snapshot back only if the link is still
  at that revision. A link that anything else changed since (a push recorded its listing, an
  adoption) is never rolled back.
- **One listing belongs to one product per shop**: a unique index (migration 0002), so a
  change that would link a second product to a listing fails with `ListingTakenError`.

A change that the table does not allow is a bug in etsysync (`LinkStateError`, loud).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from etsysync_cli.clock import isoformat, utcnow
from etsysync_cli.domain.statuses import LinkStatus
from etsysync_cli.errors import ListingTakenError
from etsysync_cli.store.db import Store

if TYPE_CHECKING:  # the planner and the listing's models are not on the path of `status`
    from etsysync_cli.domain.listing import ListingDraft
    from etsysync_cli.domain.planner import LinkSnapshot

ABSENT = '{"absent": true}'  # the snapshot of a product that had no link before its plan

P, S, F, OUT = (LinkStatus.PENDING, LinkStatus.SYNCED, LinkStatus.FAILED, LinkStatus.OUT_OF_SYNC)
Status = LinkStatus | None  # None: no link


class Change(StrEnum):
    STAGED = "staged"
    LISTING_CREATED = "listing_created"
    PUSHED = "pushed"
    PUSH_FAILED = "push_failed"
    SOURCE_CHANGED = "source_changed"
    ADOPTED = "adopted"
    RESTORED = "restored"
    ABANDONED = "abandoned"
    VERIFIED = "verified"


ALLOWED: dict[Change, tuple[frozenset[Status], frozenset[Status]]] = {
    Change.STAGED: (frozenset({None, P, S, F, OUT}), frozenset({P})),
    Change.LISTING_CREATED: (frozenset({P}), frozenset({P})),
    Change.PUSHED: (frozenset({P}), frozenset({S})),
    Change.PUSH_FAILED: (frozenset({P}), frozenset({F})),
    Change.SOURCE_CHANGED: (frozenset({S}), frozenset({OUT})),
    Change.ADOPTED: (frozenset({None, S, F, OUT}), frozenset({S, OUT})),
    Change.RESTORED: (frozenset({P}), frozenset({None, P, S, F, OUT})),
    Change.ABANDONED: (frozenset({P}), frozenset({F})),
    Change.VERIFIED: (frozenset({OUT, S}), frozenset({S})),
}


class LinkStateError(RuntimeError):
    """A link change the state machine does not allow, or a lost compare-and-set: a bug."""


def check(change: Change, before: Status, after: Status) -> None:
    sources, targets = ALLOWED[change]
    if before not in sources or after not in targets:
        raise LinkStateError(
            f"a product link cannot go from {before or 'no link'} to {after or 'no link'} "
            f"by {change}"
        )


# A named tuple, not a frozen dataclass: as immutable, and much cheaper to define, which every
# command that opens the store pays at start-up (issue 17).
class Link(NamedTuple):
    account_id: int
    product_id: str
    etsy_listing_id: int | None
    etsy_url: str | None
    sync_status: LinkStatus
    last_synced_at: str | None
    sync_error: str | None
    metadata: dict[str, Any]
    source_fingerprint: str | None
    payload_fingerprint: str | None
    synced_payload: str | None
    updated_at: str
    revision: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Link:
        return cls(
            account_id=row["account_id"],
            product_id=row["product_id"],
            etsy_listing_id=row["etsy_listing_id"],
            etsy_url=row["etsy_url"],
            sync_status=LinkStatus(row["sync_status"]),
            last_synced_at=row["last_synced_at"],
            sync_error=row["sync_error"],
            metadata=json.loads(row["metadata"] or "{}"),
            source_fingerprint=row["source_fingerprint"],
            payload_fingerprint=row["payload_fingerprint"],
            synced_payload=row["synced_payload"],
            updated_at=row["updated_at"],
            revision=row["revision"],
        )

    @property
    def images(self) -> list[dict[str, Any]]:
        """The listing's images as last recorded: source, sha256, listing_image_id."""
        return list(self.metadata.get("images", []))

    @property
    def listing_state(self) -> str | None:
        state = self.metadata.get("listing_state")
        return str(state) if state else None

    def snapshot(self) -> LinkSnapshot:
        """What the planner needs of the link."""
        from etsysync_cli.domain.planner import LinkSnapshot

        return LinkSnapshot(
            product_id=self.product_id,
            etsy_listing_id=self.etsy_listing_id,
            sync_status=self.sync_status,
            source_fingerprint=self.source_fingerprint,
            payload_fingerprint=self.payload_fingerprint,
            last_push=self.synced_payload or None,  # parsed when the planner needs it
            image_ids=(
                tuple(int(i["listing_image_id"]) for i in self.images if i.get("listing_image_id"))
                if "images" in self.metadata
                else None
            ),
            push_mark=(
                f"{self.last_synced_at} {self.payload_fingerprint}" if self.last_synced_at else None
            ),
        )

    def row(self) -> dict[str, Any]:
        """The columns as stored (the snapshot a plan keeps, without the revision)."""
        return {
            "account_id": self.account_id,
            "product_id": self.product_id,
            "etsy_listing_id": self.etsy_listing_id,
            "etsy_url": self.etsy_url,
            "sync_status": str(self.sync_status),
            "last_synced_at": self.last_synced_at,
            "sync_error": self.sync_error,
            "metadata": json.dumps(self.metadata, sort_keys=True),
            "source_fingerprint": self.source_fingerprint,
            "payload_fingerprint": self.payload_fingerprint,
            "synced_payload": self.synced_payload,
            "updated_at": self.updated_at,
        }


# --- reading ---------------------------------------------------------------------------------


def get(store: Store, account_id: int, product_id: str) -> Link | None:
    # A plain execute, not sqlite-utils' query(): this runs for every product of a plan, and
    # query() wraps each SELECT in a savepoint of its own (two more statements).
    cursor = store.conn.execute(
        "SELECT * FROM product_links WHERE account_id = ? AND product_id = ?",
        [account_id, product_id],
    )
    rows = cursor.fetchall()  # to the end: a statement left mid-way keeps its read open
    if not rows:
        return None
    names = [column[0] for column in cursor.description]
    return Link.from_row(dict(zip(names, rows[0], strict=True)))


def owner_of(store: Store, account_id: int, listing_id: int) -> str | None:
    """The product linked to this listing in this shop, if any."""
    row = store.db.execute(
        "SELECT product_id FROM product_links WHERE account_id = ? AND etsy_listing_id = ?",
        [account_id, listing_id],
    ).fetchone()
    return str(row[0]) if row else None


def all_links(store: Store, account_id: int) -> Iterator[Link]:
    for row in store.db.query(
        "SELECT * FROM product_links WHERE account_id = ? ORDER BY product_id", [account_id]
    ):
        yield Link.from_row(row)


def linked(store: Store, account_id: int) -> Iterator[Link]:
    """Links that have a listing, by product id (orphans are found among these)."""
    for row in store.db.query(
        "SELECT * FROM product_links WHERE account_id = ? AND etsy_listing_id IS NOT NULL "
        "ORDER BY product_id",
        [account_id],
    ):
        yield Link.from_row(row)


def product_ids(store: Store, account_id: int) -> set[str]:
    """Every product that has a link in this shop, with a listing or not."""
    rows = store.conn.execute(
        "SELECT product_id FROM product_links WHERE account_id = ?", [account_id]
    )
    return {str(row[0]) for row in rows}


def linked_ids(store: Store, account_id: int) -> list[str]:
    """The product ids of `linked`, in the same order."""
    return [
        str(row[0])
        for row in store.db.execute(
            "SELECT product_id FROM product_links WHERE account_id = ? "
            "AND etsy_listing_id IS NOT NULL ORDER BY product_id",
            [account_id],
        )
    ]


def listing_ids(store: Store, account_id: int) -> set[int]:
    return {
        int(row[0])
        for row in store.db.execute(
            "SELECT etsy_listing_id FROM product_links WHERE account_id = ? "
            "AND etsy_listing_id IS NOT NULL",
            [account_id],
        )
    }


def counts(store: Store, account_id: int) -> dict[str, int]:
    # One count per status (the CHECK constraint allows no other), not a GROUP BY: each counts
    # a range of the (account_id, sync_status) index without grouping, 40% faster at 100,000.
    query = "SELECT count(*) FROM product_links WHERE account_id = ? AND sync_status = ?"
    return {
        str(s): store.conn.execute(query, [account_id, str(s)]).fetchone()[0] for s in LinkStatus
    }


def with_status(store: Store, account_id: int, status: LinkStatus, limit: int = 100) -> list[Link]:
    return [
        Link.from_row(row)
        for row in store.query(
            "SELECT * FROM product_links WHERE account_id = ? AND sync_status = ? "
            "ORDER BY product_id LIMIT ?",
            [account_id, str(status), limit],
        )
    ]


# --- changing --------------------------------------------------------------------------------


class Staged(NamedTuple):
    """What a plan keeps to undo its staging: the link before it, and the revision it wrote."""

    previous: str  # the previous row as JSON, or ABSENT
    revision: int


NEW = Staged(ABSENT, 1)  # what staging a product that had no link leaves to undo


class Unread:
    """`before` not given: the function reads the link itself."""


UNREAD = Unread()


def stage(
    store: Store,
    account_id: int,
    product_id: str,
    *,
    source_changed: bool,
    before: Link | Unread | None = UNREAD,
) -> Staged:
    """A plan will push this product: the link becomes pending (created if there was none).

    A plan's staging (store/jobs.Stager) passes `before`, the link as it read it in its own
    transaction: the change is then one statement, with no savepoint of its own (a savepoint
    per product was a tenth of a 10,000-product plan), and a failure rolls the whole plan back.

    `source_changed`: the plan has seen the store move on since the last push. That is a fact
    about the link which closing the plan must not erase, so the snapshot says out_of_sync.
    """
    if isinstance(before, Unread):
        with store.atomic():
            found = get(store, account_id, product_id)
            return stage(store, account_id, product_id, source_changed=source_changed, before=found)
    assert store.conn.in_transaction, "the read of `before` and this write go together"
    now = isoformat(utcnow())
    if before is None:
        stage_new(store, account_id, [product_id], now)
        return NEW
    check(Change.STAGED, before.sync_status, P)
    previous = before.row()
    if source_changed and before.sync_status == S:
        previous["sync_status"] = str(OUT)
    _update(store, before, {"sync_status": str(P), "updated_at": now})
    return Staged(json.dumps(previous, sort_keys=True), before.revision + 1)


def stage_new(store: Store, account_id: int, product_ids: Sequence[str], now: str) -> None:
    """Pending links for products that had none, in one statement: a plan stages its creates
    in batches (one INSERT each was a twentieth of a large plan). Each is undone as `NEW`."""
    check(Change.STAGED, None, P)
    store.conn.executemany(
        "INSERT INTO product_links (account_id, product_id, sync_status, metadata, "
        "updated_at, revision) VALUES (?, ?, 'pending', '{}', ?, 1)",
        [(account_id, product_id, now) for product_id in product_ids],
    )


def mark_source_changed(store: Store, account_id: int, product_id: str) -> bool:
    """A synced product changed in the store but this plan does not push it (it is invalid):
    its listing no longer matches the store. Kept when the plan closes."""
    with store.atomic():
        before = get(store, account_id, product_id)
        if before is None or before.sync_status != S:
            return False
        check(Change.SOURCE_CHANGED, before.sync_status, OUT)
        _update(store, before, {"sync_status": str(OUT), "updated_at": isoformat(utcnow())})
        return True


def verify(
    store: Store,
    account_id: int,
    product_id: str,
    draft: ListingDraft,
    *,
    payload_fingerprint: str | None,
    source_fingerprint: str | None,
) -> bool:
    """A product whose listing, read by this plan, already holds what the store wants (issue
    14): synced, with that as the last push, without sending anything. An out-of-sync product
    so, an adopted listing found matching (synced, but no push of its own recorded yet), or a
    synced one that moved with Etsy (units sold there and taken off the store's stock too)."""
    with store.atomic():
        before = get(store, account_id, product_id)
        if before is None or before.sync_status not in (OUT, S):
            return False
        check(Change.VERIFIED, before.sync_status, S)
        _update(
            store,
            before,
            {
                "sync_status": str(S),
                "synced_payload": draft.model_dump_json(),
                "payload_fingerprint": payload_fingerprint,
                "source_fingerprint": source_fingerprint,
                "updated_at": isoformat(utcnow()),
            },
        )
        return True


def restore(store: Store, account_id: int, product_id: str, staged: Staged) -> bool:
    """Put back the link as it was before a plan staged it, if that plan still owns it (the
    link is pending at the revision the plan wrote). False when the link has moved on."""
    with store.atomic():
        before = get(store, account_id, product_id)
        if before is None or before.revision != staged.revision or before.sync_status != P:
            return False
        if staged.previous == ABSENT:
            check(Change.RESTORED, P, None)
            store.db.execute(
                "DELETE FROM product_links WHERE account_id = ? AND product_id = ? "
                "AND revision = ?",
                [account_id, product_id, staged.revision],
            )
            return True
        previous = json.loads(staged.previous)
        check(Change.RESTORED, P, LinkStatus(previous["sync_status"]))
        columns = {k: v for k, v in previous.items() if k not in ("account_id", "product_id")}
        _update(store, before, columns)
        return True


def restore_new(store: Store, account_id: int, job_id: int) -> tuple[int, int]:
    """`restore` of every link that the plan `job_id` created (staged as `NEW`), in one
    statement: deleted where the plan still owns it (pending, at the revision it wrote: the
    test of `restore`, and of jobs.statuses_after_pending_plans; a change to one goes to all
    three). Returns (restored, kept)."""
    check(Change.RESTORED, P, None)
    wanted = [job_id, ABSENT]
    staged = "FROM plan_items WHERE job_id = ? AND previous_link = ?"
    (created,) = store.conn.execute(f"SELECT COUNT(*) {staged}", wanted).fetchone()
    if not created:
        return 0, 0
    cursor = store.conn.execute(
        "DELETE FROM product_links WHERE account_id = ? AND sync_status = 'pending' "
        f"AND (product_id, revision) IN (SELECT product_id, COALESCE(link_revision, 0) {staged})",
        [account_id, *wanted],
    )
    return cursor.rowcount, created - cursor.rowcount


def abandon(store: Store, account_id: int, product_id: str, why: str) -> None:
    """The run pushing this product was abandoned before it was done: the link keeps what the
    run recorded (its listing, if one was made) and says why; the next plan finishes it."""
    with store.atomic():
        before = _require(store, account_id, product_id)
        check(Change.ABANDONED, before.sync_status, F)
        _update(
            store,
            before,
            {"sync_status": str(F), "sync_error": why, "updated_at": isoformat(utcnow())},
        )


def record_listing(store: Store, account_id: int, product_id: str, listing_id: int) -> None:
    """The push created this product's listing (or found the one an earlier try created)."""
    with store.atomic():
        before = _require(store, account_id, product_id)
        check(Change.LISTING_CREATED, before.sync_status, P)
        _update(store, before, {"etsy_listing_id": listing_id, "updated_at": isoformat(utcnow())})


class PushResult(NamedTuple):
    """What a push did to one product's listing."""

    ok: bool
    listing_id: int | None
    listing_url: str | None
    listing_state: str | None
    images: list[dict[str, Any]]
    error: str | None
    # set when the push delivered a reviewed payload (creates and updates, not deactivations)
    payload: str | None = None
    payload_fingerprint: str | None = None
    source_fingerprint: str | None = None


def record_push(store: Store, account_id: int, product_id: str, result: PushResult) -> None:
    """The push of this product ended: synced with what it sent, or failed with why."""
    with store.atomic():
        before = _require(store, account_id, product_id)
        after = S if result.ok else F
        check(Change.PUSHED if result.ok else Change.PUSH_FAILED, before.sync_status, after)
        now = isoformat(utcnow())
        changes: dict[str, Any] = {"sync_status": str(after), "updated_at": now}
        if result.listing_id is not None:
            # Even after a failure: what is on the listing now is the next sync's start.
            metadata = {**before.metadata, "images": result.images}
            if result.listing_state:
                metadata["listing_state"] = result.listing_state
            changes["etsy_listing_id"] = result.listing_id
            changes["metadata"] = json.dumps(metadata, sort_keys=True)
        if result.ok:
            changes |= {
                "etsy_url": result.listing_url,
                "last_synced_at": now,
                "sync_error": None,
            }
            if result.payload is not None:
                changes |= {
                    "payload_fingerprint": result.payload_fingerprint,
                    "source_fingerprint": result.source_fingerprint,
                    "synced_payload": result.payload,
                }
        else:
            changes["sync_error"] = result.error
        _update(store, before, changes)


class Adoption(NamedTuple):
    listing_id: int
    listing_url: str
    status: LinkStatus  # synced when nothing compared differs, else out_of_sync
    source_fingerprint: str | None
    metadata: dict[str, Any]  # images, listing_state, adopted


def adopt(store: Store, account_id: int, product_id: str, adoption: Adoption) -> None:
    """Link a listing that exists on Etsy to a product that has no listing. No synced payload
    is known, so the next plan sends the listing one full update."""
    with store.atomic():
        before = get(store, account_id, product_id)
        check(Change.ADOPTED, before.sync_status if before else None, adoption.status)
        if before is not None and before.etsy_listing_id is not None:
            raise LinkStateError(f"product {product_id} is already linked")
        now = isoformat(utcnow())
        columns = {
            "etsy_listing_id": adoption.listing_id,
            "etsy_url": adoption.listing_url,
            "sync_status": str(adoption.status),
            "last_synced_at": now if adoption.status == S else None,
            "sync_error": None,
            "metadata": json.dumps(
                {**(before.metadata if before else {}), **adoption.metadata}, sort_keys=True
            ),
            "source_fingerprint": adoption.source_fingerprint,
            "payload_fingerprint": None,
            "synced_payload": None,
            "updated_at": now,
        }
        if before is None:
            _insert(store, account_id, product_id, columns)
        else:
            _update(store, before, columns)


# --- the writes themselves -------------------------------------------------------------------


def _require(store: Store, account_id: int, product_id: str) -> Link:
    link = get(store, account_id, product_id)
    if link is None:
        raise LinkStateError(f"product {product_id} has no link")
    return link


def _update(store: Store, before: Link, columns: dict[str, Any]) -> None:
    """One compare-and-set UPDATE: only if the link is still as `before` read it."""
    names = list(columns)  # our own column names, never input
    try:
        cursor = store.db.execute(
            "UPDATE product_links SET "
            + ", ".join(f"{name} = ?" for name in names)
            + ", revision = revision + 1 "
            "WHERE account_id = ? AND product_id = ? AND revision = ? AND sync_status = ?",
            [
                *columns.values(),
                before.account_id,
                before.product_id,
                before.revision,
                str(before.sync_status),
            ],
        )
    except sqlite3.IntegrityError as exc:
        raise _taken(store, before.account_id, before.product_id, columns, exc) from None
    if cursor.rowcount != 1:
        raise LinkStateError(f"the link of product {before.product_id} changed underneath")


def _insert(store: Store, account_id: int, product_id: str, columns: dict[str, Any]) -> None:
    row = {"account_id": account_id, "product_id": product_id, **columns, "revision": 1}
    try:
        store.db.execute(
            f"INSERT INTO product_links ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
    except sqlite3.IntegrityError as exc:
        raise _taken(store, account_id, product_id, columns, exc) from None


def _taken(
    store: Store,
    account_id: int,
    product_id: str,
    columns: dict[str, Any],
    exc: sqlite3.IntegrityError,
) -> Exception:
    listing_id = columns.get("etsy_listing_id")
    if listing_id is None:
        return exc  # another constraint: a bug, stays loud
    owner = owner_of(store, account_id, int(listing_id))
    if owner is None or owner == product_id:
        return exc
    return ListingTakenError(
        f"listing {listing_id} is already linked to product {owner}; it cannot also be the "
        f"listing of product {product_id}",
        listing_id=int(listing_id),
        owner=owner,
    )
