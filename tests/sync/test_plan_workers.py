"""A JSON Lines catalog prepared by worker processes plans exactly as one prepared in the plan's
own process (flows/prepare_pool.py, issue 17): the same items in the same order, the same
errors, and no worker left behind however the plan ends."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.flows import prepare_pool
from tests.sync.conftest import Catalog
from tests.sync.test_three_variations import add_cut_option

TEE = "prod_demo_tee"


def odd_catalog(catalog: Catalog) -> Path:
    """The sample catalog as JSON Lines, with what a real export holds beside good products."""
    products = catalog.products()
    tee = next(p for p in products if p["id"] == TEE)
    add_cut_option(tee)  # three options: its third is looked up on Etsy, by the plan itself
    first = products[0]
    odd = [
        {**first, "id": "prod_quotes", "handle": "q", "title": 'Mug "Best Dad" & Co. — l\'été'},
        {**first, "id": "prod_draft", "handle": "d", "status": "draft"},
        {**first, "id": "prod_gift", "handle": "g", "is_giftcard": True},
        {**first, "id": "prod_no_price", "handle": "n", "variants": [{"sku": "N"}]},
        {**first, "handle": "same-id-again"},  # the id of products[0] once more
    ]
    lines = ["", json.dumps(products[0])]
    lines += [json.dumps(p) for p in products[1:]] + [json.dumps(p) for p in odd]
    lines.insert(4, "{not json")
    lines.insert(6, "   ")
    # A whole Admin API page on one line, as `curl .../admin/products > x.jsonl` gives.
    lines.append(json.dumps({"products": [{**first, "id": "prod_paged", "handle": "p"}]}))
    path = catalog.path.with_suffix(".jsonl")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def planned(cli: Any, path: Path, workers: int, *args: str) -> tuple[int, dict[str, Any]]:
    result = cli(
        "plan", "--source", "file", str(path), "--json", *args,
        env={"ETSYSYNC_SOURCE_WORKERS": str(workers)},
    )  # fmt: skip
    assert result.exit_code in (0, 2), result.stderr
    document = json.loads(result.stdout)
    for volatile in ("transaction_id", "created_at", "expires_at", "job_id"):
        document.pop(volatile, None)
    return result.exit_code, document


def catalog_workers(home: Path) -> list[int]:
    """The catalog workers running for the app home `home` (its path is in their environment)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"prepare_pool" in cmdline and f"ETSYSYNC_HOME={home}".encode() in environ:
            found.append(int(entry.name))
    return found


def test_workers_plan_the_same_items_in_the_same_order(
    cli, connected, catalog, monkeypatch, app_home
) -> None:
    path = odd_catalog(catalog)
    monkeypatch.setattr(prepare_pool, "RUN_LINES", 3)  # line numbers and pages across runs
    alone = planned(cli, path, 1)
    pooled = planned(cli, path, 3)
    assert pooled == alone
    _, document = pooled
    by_id = {item["product_id"]: item for item in document["items"]}
    assert by_id[TEE]["action"] == "create"
    assert any("predefined property 'Size'" in w for w in by_id[TEE]["warnings"])
    assert by_id["line 5"]["action"] == "invalid"  # the line that is not JSON, by its number
    assert by_id["prod_quotes"]["title"] == 'Mug "Best Dad" & Co. — l\'été'
    assert by_id["prod_no_price"]["action"] == "invalid"
    assert by_id["prod_paged"]["action"] == "create"
    assert "prod_draft" not in by_id and "prod_gift" not in by_id
    assert any("(duplicate 2)" in item["product_id"] for item in document["items"])
    assert catalog_workers(app_home) == []


def test_workers_plan_linked_products_the_same(
    cli, connected, catalog, monkeypatch, app_home
) -> None:
    """A re-plan: a new product is staged from what its worker wrote, a linked one from its
    draft read back from that JSON and compared with the last push; both ways, the same plan."""
    monkeypatch.setattr(prepare_pool, "RUN_LINES", 3)
    first = cli("plan", "--source", "file", str(odd_catalog(catalog)), "--json")
    assert first.exit_code in (0, 2), first.stderr
    pushed = cli("confirm", json.loads(first.stdout)["transaction_id"], "--yes")
    assert pushed.exit_code == 0, pushed.stderr
    products = catalog.products()
    catalog.edit(products[0]["id"], lambda p: p.update(title=p["title"] + " & more"))
    catalog.edit(products[1]["id"], lambda p: p.update(description='Now "glazed" inside.'))
    path = odd_catalog(catalog)
    alone = planned(cli, path, 1)
    pooled = planned(cli, path, 3)
    assert pooled == alone
    _, document = pooled
    by_id = {item["product_id"]: item for item in document["items"]}
    assert by_id[products[0]["id"]]["changed_fields"] == ["title"]
    assert by_id[products[1]["id"]]["changed_fields"] == ["description"]
    assert by_id[products[2]["id"]]["action"] == "unchanged"
    assert catalog_workers(app_home) == []


def test_a_file_that_is_one_json_document_is_refused_alike(
    cli, connected, tmp_path, monkeypatch, app_home
) -> None:
    path = tmp_path / "whole.jsonl"
    path.write_text('\n\n\n{\n  "products": []\n}\n')  # its opening in the second run
    monkeypatch.setattr(prepare_pool, "RUN_LINES", 2)
    for workers in (1, 2):
        result = cli(
            "plan", "--source", "file", str(path), env={"ETSYSYNC_SOURCE_WORKERS": str(workers)}
        )
        assert result.exit_code != 0
        assert "looks like one JSON document" in result.stderr, result.stderr
    assert catalog_workers(app_home) == []


def test_a_limited_plan_stops_its_workers(cli, connected, catalog, monkeypatch, app_home) -> None:
    path = odd_catalog(catalog)
    monkeypatch.setattr(prepare_pool, "RUN_LINES", 2)  # many runs out when the plan stops
    _, document = planned(cli, path, 2, "--limit", "3")
    assert len(document["items"]) == 3
    assert catalog_workers(app_home) == []


@pytest.mark.parametrize(("size", "setting", "cpus", "expected"), [
    (1, 0, 2, 0),  # small: starting workers costs more than it saves
    (prepare_pool.AUTO_MIN_BYTES, 0, 2, 2),
    (prepare_pool.AUTO_MIN_BYTES, 0, 1, 0),  # one CPU: nothing to gain
    (prepare_pool.AUTO_MIN_BYTES, 1, 4, 0),  # 1: the plan's own process
    (1, 3, 1, 3),  # asked for
])  # fmt: skip
def test_how_many_workers(tmp_path, monkeypatch, size, setting, cpus, expected) -> None:
    path = tmp_path / "catalog.jsonl"
    with path.open("wb") as file:
        file.truncate(size)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cpus)))
    assert prepare_pool.workers_for(path, setting) == expected
    assert prepare_pool.workers_for(path.with_suffix(".csv"), setting) == 0


def test_reading_a_file_moves_the_reading_bar(cli, connected, catalog, monkeypatch) -> None:
    """The bar counts the products read from a file (its total unknown), as it counts Medusa's
    pages against the store's total."""
    from etsysync_cli.cli.progress import ReadProgress
    from etsysync_cli.flows import plan

    seen: list[tuple[int, int | None]] = []
    monkeypatch.setattr(
        ReadProgress, "__call__", lambda self, done, total: seen.append((done, total))
    )
    monkeypatch.setattr(plan, "READ_PROGRESS_EVERY", 2)
    result = cli("plan", "--source", "file", str(odd_catalog(catalog)))
    assert result.exit_code in (0, 2), result.stderr
    assert seen[:2] == [(2, None), (4, None)]


def test_no_worker_can_start_the_plan_prepares_alone(
    cli, connected, catalog, monkeypatch, app_home
) -> None:
    """An interpreter that cannot be started (a sandboxed or embedded Python) costs no plan."""
    path = odd_catalog(catalog)
    alone = planned(cli, path, 1)
    monkeypatch.setattr(prepare_pool.sys, "executable", "/nonexistent/python")
    assert planned(cli, path, 2) == alone
    assert catalog_workers(app_home) == []
