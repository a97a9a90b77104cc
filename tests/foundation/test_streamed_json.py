"""`print_json_streamed` writes the very bytes `print_json` writes for the whole document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etsysync_cli.cli.views import _indented, print_json, print_json_streamed
from etsysync_cli.reports import (
    EtsyChangeReport,
    JobDocument,
    JobReport,
    LinkReport,
    PlanItem,
    StatusDocument,
)


def _item(n: int) -> PlanItem:
    return PlanItem(
        product_id=f"prod_{n}",
        action="update" if n % 2 else "invalid",
        # Quotes, a line break, a backslash, an escape and non-ASCII: JSON escapes all of them.
        title='Mug "große"\nline two \\ \x1b[31m' if n == 1 else None,
        listing_id=n or None,
        changes=["fields"] if n % 2 else [],
        changed_fields=["title"],
        warnings=[],
        reasons=[] if n % 2 else ["no price"],
        outcome=None,
        error=None,
        etsy_changes=[
            EtsyChangeReport(
                field="tags", synced=["a"], etsy={"x": [1, None]}, store=2.5, resolution="keep_etsy"
            )
        ],
    )


JOB: dict[str, Any] = {
    "transaction_id": "txn_1",
    "status": "pending",
    "source": "file:/tmp/catalog.json",
    "total_products": 3,
    "synced_count": 0,
    "failed_count": 0,
    "invalid_count": 0,
    "counts": {"update": 2, "invalid": 1},
    "error_log": [],
    "created_at": "2026-01-01T00:00:00Z",
    "expires_at": "2026-01-01T01:00:00Z",
    "confirmed_at": None,
    "started_at": None,
    "completed_at": None,
}


@pytest.mark.parametrize("count", [0, 1, 3])
def test_a_streamed_document_is_byte_for_byte_the_whole_one(
    count: int, capsys: pytest.CaptureFixture[str]
) -> None:
    items = [_item(n) for n in range(count)]
    print_json(JobDocument(**JOB, items=items))
    whole = capsys.readouterr().out

    def lazily() -> Iterator[PlanItem]:
        yield from items

    print_json_streamed(JobDocument(**JOB, items=[]), items=lazily())
    assert capsys.readouterr().out == whole


def test_several_lists_stream_each_in_its_place(capsys: pytest.CaptureFixture[str]) -> None:
    failed = [
        LinkReport(
            product_id=f"p{n}",
            sync_status="failed",
            etsy_listing_id=None,
            etsy_url=None,
            listing_state=None,
            images=0,
            last_synced_at=None,
            sync_error="Etsy refused the price",
        )
        for n in range(2)
    ]
    jobs = [JobReport(**JOB), JobReport(**(JOB | {"transaction_id": "txn_2"}))]
    shops: dict[str, Any] = {"accounts": [], "active_shop": "Shop", "links": {"synced": 1}}
    print_json(StatusDocument(**shops, jobs=jobs, failed=failed))
    whole = capsys.readouterr().out
    # `failed` is null in the head: the stream puts the list in its place all the same.
    print_json_streamed(StatusDocument(**shops, jobs=[]), failed=iter(failed), jobs=iter(jobs))
    assert capsys.readouterr().out == whole


# What a report's `to_json` can hold, and a little beyond (a Decimal, a tuple, a key that is a
# number, NaN): any text, with quotes, escapes, line breaks and characters beyond ASCII.
_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.decimals(allow_nan=False)
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        | st.dictionaries(st.integers(), inner, max_size=3)
    ),
    max_leaves=20,
)


@given(_values, st.sampled_from(["", "    ", "  "]))
def test_an_item_is_written_as_json_dumps_writes_it_at_its_depth(value: Any, indent: str) -> None:
    expected = json.dumps(value, indent=2, sort_keys=True, default=str).replace("\n", "\n" + indent)
    assert _indented(value, indent) == expected


def test_a_decimal_is_written_as_its_text() -> None:
    assert _indented({"price": Decimal("10.50")}, "") == '{\n  "price": "10.50"\n}'
