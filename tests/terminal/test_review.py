"""The review as a diff, read as a seller reads it (issue 16, points 1, 2, 6 and 13): in an
80-column pseudo-terminal, through a pager, and as `plan --json`'s change list."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.sync.conftest import Catalog, catalog, shop_listings  # noqa: F401  (fixture)
from tests.sync.test_sync_e2e import confirm, plan
from tests.terminal.terminal_helpers import in_a_terminal

ROWS = "┏┃┡│└├┗"


@pytest.fixture
def connected(cli: Any, sandbox: Any) -> Any:
    """A shop connected with its tokens in a file, which the subprocesses read too."""
    result = cli("auth", "login", "--timeout", "20", "--insecure-storage")
    assert result.exit_code == 0, result.stderr
    return sandbox


def _synced(cli: Any, catalog: Catalog) -> None:  # noqa: F811
    staged = plan(cli, catalog)
    assert confirm(cli, staged["transaction_id"]).exit_code == 0


def _edit_tee(catalog: Catalog) -> None:  # noqa: F811
    """A new title, one variant's price, a tag swapped, the images reordered."""

    def change(product: dict[str, Any]) -> None:
        product["title"] = "Hand-Dyed Linen T-Shirt in Indigo and Rust"
        product["variants"][0]["prices"][0]["amount"] = 42
        product["tags"] = [t for t in product["tags"] if t != "t-shirt"] + ["summer"]
        product["images"] = list(reversed(product["images"]))

    catalog.edit("prod_demo_tee", change)


def _table(screen: str) -> list[str]:
    return [line for line in screen.splitlines() if line[:1] in ROWS]


def _review_at_80(command: str, catalog: Catalog) -> tuple[str, str]:  # noqa: F811
    """`command` (plan or sync) in an 80-column terminal: the screen, and the change column's
    text read column by column (each table line fits the 80 columns)."""
    code, screen = in_a_terminal(
        [command, "--source", "file", str(catalog.path)], ETSYSYNC_PAGER="0"
    )
    assert code == 0, screen
    table = _table(screen)
    assert table and max(len(line) for line in table) <= 80, screen
    return screen, " ".join(_column(table, -1))


def test_update_review_at_80_columns_shows_old_and_new(cli, connected, catalog) -> None:  # noqa: F811
    _synced(cli, catalog)
    _edit_tee(catalog)
    catalog.edit("prod_demo_mug", lambda p: p["variants"][0]["prices"][0].update(amount=31))

    screen, changes = _review_at_80("plan", catalog)
    table = _table(screen)
    # Read column by column, the change column holds, whole: old → new for each change.
    for said in (
        "TEE-S-IND: 38.00 → 42.00",
        "price: 28.00 → 31.00",  # the mug: one variant, so no SKU label
        "+summer -t-shirt",
        "images: 3 → 3 (2 moved)",
    ):
        assert said in changes, (said, changes)
    assert "title: 'Hand-Dyed Linen T-Shirt' → 'Hand-Dyed Linen T-Shirt in Indigo" in changes
    # Ids whole on one line; no word broken over two lines anywhere in the table.
    products = "".join(_column(table, 1))
    assert "prod_demo_tee" in products and "prod_demo_mug" in products
    words = set(" ".join(_cells(table)).split())
    assert {"Hand-Dyed", "Linen", "Indigo", "Speckled", "Stoneware"} <= words, words
    assert not [w for w in words if w in ("Hand-", "Dyed", "Stonewa", "Speck")]
    # The summary under the table, the count of what is staged.
    assert "2 update, 9 unchanged, 1 invalid" in screen
    assert max(len(line) for line in screen.splitlines() if "reading" not in line) <= 80, screen


def _cells(table: list[str]) -> list[str]:
    return [cell.strip() for line in table for cell in re.split("[│┃]", line) if cell.strip()]


def _column(table: list[str], index: int) -> list[str]:
    """One column's text, line by line (header and body rows of the table drawn by Rich)."""
    found = []
    for line in table:
        cells = re.split("[│┃]", line)[1:-1]
        if len(cells) >= 4:
            found.append(cells[index].strip())
    return found


def test_long_review_goes_through_the_pager_then_the_summary_and_question(
    cli,
    connected,
    catalog,  # noqa: F811
    tmp_path: Path,
) -> None:
    pager = tmp_path / "pager.sh"
    pager.write_text('#!/bin/sh\nsed "s/^/PAGED:/"\n')
    pager.chmod(0o755)
    code, screen = in_a_terminal(
        ["sync", "--source", "file", str(catalog.path)], answer="n\n", PAGER=str(pager)
    )
    assert code == 1, screen  # declined
    paged = [line for line in screen.splitlines() if line.startswith("PAGED:")]
    assert any("prod_demo_throw" in line for line in paged), screen  # every row, paged
    # Table, then the summary (not paged), then the question restating it.
    summary = screen.index("11 create, 1 invalid")
    question = screen.index("Push 11 listing(s)")
    assert screen.index("PAGED:") < summary < question
    assert not any("11 create" in line for line in paged)
    asked = " ".join(screen[question:].split())
    assert "(11 create, 1 invalid (not sent)); about" in asked and "publish fees $" in asked
    assert "stays staged" in screen

    # --no-pager (or ETSYSYNC_PAGER=0): the table goes straight to the terminal.
    code, screen = in_a_terminal(
        ["plan", "--source", "file", str(catalog.path), "--no-pager"], PAGER=str(pager)
    )
    assert code == 0 and "PAGED:" not in screen and "prod_demo_throw" in screen


@pytest.mark.parametrize("rows", [55])
def test_the_50_row_cut_says_how_to_see_the_rest(cli, connected, catalog, rows) -> None:  # noqa: F811
    products = catalog.products()
    mug = next(p for p in products if p["id"] == "prod_demo_mug")
    for n in range(rows - len(products) + 1):
        copy = json.loads(json.dumps(mug))
        copy["id"], copy["handle"] = f"prod_mug_{n:02d}", f"mug-{n:02d}"
        copy["variants"][0]["sku"] = f"MUG-{n:02d}"
        products.append(copy)
    catalog.path.write_text(json.dumps({"products": products}))
    cut = cli("plan", "--source", "file", str(catalog.path))
    assert cut.exit_code == 0, cut.stderr
    assert "The table shows the first 50 of 56 rows: run it again with --all" in " ".join(
        cut.stdout.split()
    )
    assert "prod_mug_42" not in cut.stdout
    every = cli("plan", "--source", "file", str(catalog.path), "--all")
    assert "prod_mug_42" in every.stdout and "first 50" not in every.stdout


def test_plan_json_lists_each_change_with_old_and_new(cli, connected, catalog) -> None:  # noqa: F811
    _synced(cli, catalog)
    _edit_tee(catalog)
    catalog.edit("prod_demo_mug", lambda p: p["variants"][0].update(inventory_quantity=4))
    staged = plan(cli, catalog)
    items = {i["product_id"]: i for i in staged["items"]}
    tee = {(c["field"], c["sku"]): c for c in items["prod_demo_tee"]["diff"]}
    assert tee["title", None]["old"] == "Hand-Dyed Linen T-Shirt"
    assert tee["title", None]["new"] == "Hand-Dyed Linen T-Shirt in Indigo and Rust"
    assert (tee["price", "TEE-S-IND"]["old"], tee["price", "TEE-S-IND"]["new"]) == (
        "38.00",
        "42.00",
    )
    assert tee["tags", None]["added"] == ["summer"] and tee["tags", None]["removed"] == ["t-shirt"]
    assert (tee["images", None]["moved"], tee["images", None]["added"]) == (2, 0)
    assert [c["field"] for c in items["prod_demo_mug"]["diff"]] == ["quantity"]
    mug = items["prod_demo_mug"]["diff"][0]
    assert (mug["old"], mug["new"], mug["sku"]) == (12, 4, None)
    # Nothing else moved: the other rows carry no change.
    assert all(
        not i["diff"] for pid, i in items.items() if pid not in ("prod_demo_tee", "prod_demo_mug")
    )


def test_sync_with_nothing_to_push_still_shows_what_changed_on_etsy(
    cli,
    connected,
    catalog,  # noqa: F811
) -> None:
    """Units sold and a title edited on Etsy, the store unchanged: nothing to push, but the
    person who runs `sync` sees them per product, as `plan` shows them (issue 15)."""
    _synced(cli, catalog)
    ids = {x["title"]: x["listing_id"] for x in shop_listings(connected)}
    mug = next(i for t, i in ids.items() if t.startswith("Speckled Stoneware Mug"))
    tee = next(i for t, i in ids.items() if t.startswith("Hand-Dyed Linen T-Shirt"))
    connected.seller_edit(mug, title="Speckled Stoneware Mug, Father's Day")
    connected.seller_edit(tee, sku="TEE-S-IND", quantity=1)

    screen, changes = _review_at_80("sync", catalog)

    assert "title edited on Etsy (kept): 'Speckled Stoneware Mug, Father's Day'" in changes
    assert "sold on Etsy (TEE-S-IND qty:" in changes, changes
    assert "Nothing to push" in screen and "[y/N]" not in screen
