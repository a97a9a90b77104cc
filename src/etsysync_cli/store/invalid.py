"""The products that are invalid now: never sent to Etsy, so they have no link of their own
(or a link that still shows what was pushed before they became invalid).

"Now" is what the latest plans saw: a product's newest plan item since the account's latest
plan of the whole source (a plan with --product, --limit or a Medusa filter only looked at
some products, so it overrides only those). A product left out of that full plan is no longer
in the source, and no longer invalid.
"""

from __future__ import annotations

import json
from typing import NamedTuple

from etsysync_cli.store.db import Store

# A plan that read the whole source (flows/plan.py stores its options with the job).
_FULL_SCAN = (
    "json_array_length(options, '$.products') = 0"
    " AND json_extract(options, '$.limit') IS NULL"
    " AND coalesce(json_extract(options, '$.source_filters'), '{}') = '{}'"
)


class InvalidProduct(NamedTuple):
    product_id: str
    title: str | None
    reasons: list[str]
    transaction_id: str  # the plan that found it invalid


def invalid_products(store: Store, account_id: int) -> list[InvalidProduct]:
    """Every product of the account that its latest plan found invalid, by product id."""
    since = store.conn.execute(
        f"SELECT coalesce(max(id), 0) FROM sync_jobs WHERE account_id = ? AND {_FULL_SCAN}",
        [account_id],
    ).fetchone()[0]
    rows = store.query(
        """
        SELECT i.product_id, i.title, i.reasons, j.transaction_id
        FROM plan_items i JOIN sync_jobs j ON j.id = i.job_id
        WHERE i.action = 'invalid' AND i.id IN (
            SELECT max(p.id) FROM plan_items p JOIN sync_jobs s ON s.id = p.job_id
            WHERE s.account_id = ? AND s.id >= ? GROUP BY p.product_id
        )
        ORDER BY i.product_id
        """,
        [account_id, since],
    )
    return [
        InvalidProduct(
            row["product_id"],
            row["title"],
            json.loads(row["reasons"] or "[]"),
            row["transaction_id"],
        )
        for row in rows
    ]


def invalid_product(store: Store, account_id: int, product_id: str) -> InvalidProduct | None:
    found = (p for p in invalid_products(store, account_id) if p.product_id == product_id)
    return next(found, None)
