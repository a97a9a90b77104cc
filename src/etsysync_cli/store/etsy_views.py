"""What the last refresh saw of each linked listing on Etsy (migration 0003, issue 14).

One row per (account, product): Etsy's state at the last read (`deleted` when the listing is
gone), the fields where Etsy holds something else than the store wants, and the edits made on
Etsy that were kept (domain/refresh.py `Reconciled.accepted`). `plan` writes them in its staging
transaction; `status` reads them: a product whose listing differs on Etsy is out of sync.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

from etsysync_cli.clock import isoformat, utcnow
from etsysync_cli.store.db import Store

DELETED = "deleted"


# A named tuple, not a frozen dataclass: as immutable, and cheaper to define (start-up).
class EtsyView(NamedTuple):
    product_id: str
    listing_id: int | None
    etsy_state: str | None
    differs: list[str]
    kept: dict[str, dict[str, Any]]
    read_at: str | None = None

    @property
    def deleted(self) -> bool:
        return self.etsy_state == DELETED

    @property
    def out_of_sync(self) -> bool:
        """Etsy holds something else than the store wants (kept edits, a deleted listing)."""
        return bool(self.differs) or self.deleted


def _view(row: dict[str, Any]) -> EtsyView:
    return EtsyView(
        product_id=row["product_id"],
        listing_id=row["listing_id"],
        etsy_state=row["etsy_state"],
        differs=json.loads(row["differs"] or "[]"),
        kept=json.loads(row["kept"] or "{}"),
        read_at=row["read_at"],
    )


def views(store: Store, account_id: int) -> dict[str, EtsyView]:
    return {
        row["product_id"]: _view(row)
        for row in store.query("SELECT * FROM etsy_views WHERE account_id = ?", [account_id])
    }


def get(store: Store, account_id: int, product_id: str) -> EtsyView | None:
    rows = list(
        store.query(
            "SELECT * FROM etsy_views WHERE account_id = ? AND product_id = ?",
            [account_id, product_id],
        )
    )
    return _view(rows[0]) if rows else None


def out_of_sync(store: Store, account_id: int) -> Iterator[EtsyView]:
    for view in views(store, account_id).values():
        if view.out_of_sync:
            yield view


def save(store: Store, account_id: int, view: EtsyView) -> None:
    """Record what a refresh saw (call inside the plan's transaction)."""
    store.db.execute(
        "INSERT INTO etsy_views (account_id, product_id, listing_id, etsy_state, differs, kept, "
        "read_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, product_id) DO UPDATE "
        "SET listing_id = excluded.listing_id, etsy_state = excluded.etsy_state, "
        "differs = excluded.differs, kept = excluded.kept, read_at = excluded.read_at",
        [
            account_id,
            view.product_id,
            view.listing_id,
            view.etsy_state,
            json.dumps(sorted(view.differs)),
            json.dumps(view.kept, sort_keys=True),
            view.read_at or isoformat(utcnow()),
        ],
    )


def forget(store: Store, account_id: int, product_id: str) -> None:
    """The listing was created again (or unlinked): what Etsy held of the old one is moot."""
    store.db.execute(
        "DELETE FROM etsy_views WHERE account_id = ? AND product_id = ?", [account_id, product_id]
    )
