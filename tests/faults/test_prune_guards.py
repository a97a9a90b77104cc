"""`--prune` never takes a shop down because a source was cut short or shrank, and
deactivations count against their own limit (issue 12, point 4).

Forty active listings are synced from a JSON Lines export; then the export is truncated mid-line
(an interrupted export), or shrinks, and the nightly `sync --prune` runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.errors import ExitCode
from etsysync_cli.sandbox import sample_png
from tests.faults.conftest import simple_product
from tests.sync.conftest import shop_listings

PRODUCTS = 40


def product(n: int) -> dict[str, Any]:
    active = {"etsy_taxonomy_id": 1073, "etsy_state": "active"}
    return simple_product(
        f"prod_{n:02d}",
        f"Stoneware Bowl No. {n}",
        f"BOWL-{n:02d}",
        price=30,
        quantity=3,
        thumbnail="bowl.png",
        metadata=active,
    )


def lines(products: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(p) + "\n" for p in products)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "bowl.png").write_bytes(sample_png(4, 4, (200, 120, 40)))
    path = folder / "products.jsonl"
    path.write_text(lines([product(n) for n in range(PRODUCTS)]))
    return path


@pytest.fixture
def synced(cli, connected, export) -> Any:
    result = cli("sync", "--source", "file", str(export), "--auto-approve", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert sum(x["state"] == "active" for x in shop_listings(connected)) == PRODUCTS
    return connected


def nightly(cli: Any, export: Path, *args: str) -> Any:
    return cli(
        "sync", "--source", "file", str(export), "--prune", "--auto-approve", "--json", *args
    )


def active(sandbox: Any) -> int:
    return sum(x["state"] == "active" for x in shop_listings(sandbox))


def test_a_truncated_export_takes_nothing_down(cli, synced, export) -> None:
    text = lines([product(n) for n in range(3)]) + json.dumps(product(3))[:40]
    export.write_text(text)  # cut mid-line, as an interrupted export leaves it
    result = nightly(cli, export, "--max-creates", "0", "--max-updates", "0")
    assert result.exit_code == 0, result.stderr
    assert "looks incomplete" in result.stderr
    assert "--confirm-deactivations 37" in result.stderr
    header = json.loads(result.stdout.splitlines()[0])
    assert header["to_push"] == 0
    assert active(synced) == PRODUCTS


def test_a_shrunken_source_takes_nothing_down(cli, synced, export) -> None:
    export.write_text(lines([product(n) for n in range(10)]))  # 10 of 40: under half
    result = nightly(cli, export)
    assert result.exit_code == 0, result.stderr
    assert "it holds 10 products while 40 are linked" in result.stderr
    assert active(synced) == PRODUCTS


def test_the_seller_can_confirm_the_number(cli, synced, export) -> None:
    export.write_text(lines([product(n) for n in range(10)]))
    over = nightly(cli, export, "--confirm-deactivations", "30")
    assert over.exit_code == ExitCode.REFUSED  # still its own limit: max(5, 10% of 40)
    assert "30 deactivations (--max-deactivations 5)" in over.stderr
    assert active(synced) == PRODUCTS
    wrong = nightly(cli, export, "--confirm-deactivations", "29", "--max-deactivations", "40")
    assert wrong.exit_code == 0 and active(synced) == PRODUCTS  # not the number: nothing
    done = nightly(cli, export, "--confirm-deactivations", "30", "--max-deactivations", "40")
    assert done.exit_code == 0, done.stderr
    assert active(synced) == 10
    assert len(shop_listings(synced)) == PRODUCTS  # deactivated, never deleted


def test_deactivations_have_their_own_limit(cli, synced, export) -> None:
    export.write_text(lines([product(n) for n in range(PRODUCTS - 6)]))  # 6 gone, 34 read
    refused = nightly(cli, export)
    assert refused.exit_code == ExitCode.REFUSED
    assert "6 deactivations (--max-deactivations 5)" in refused.stderr
    assert active(synced) == PRODUCTS
    export.write_text(lines([product(n) for n in range(PRODUCTS - 5)]))
    allowed = nightly(cli, export)
    assert allowed.exit_code == 0, allowed.stderr
    assert active(synced) == PRODUCTS - 5
