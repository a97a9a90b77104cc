"""A catalog as a seller brings it, through the real CLI and the sandbox (issue 13, point 5): a
product with 15 tags and one whose variant options are values only are listed, the review says
what was changed, and the sandbox holds what Etsy would (etsy-api.md §6: 13 tags)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from tests.sync.conftest import shop_listings

import etsysync_cli.demo

DEMO_IMAGES = Path(etsysync_cli.demo.__file__).parent / "images"
# 15 tags: one Etsy refuses as written, 12 plain ones, and two beyond Etsy's 13
TAGS = ["tea/coffee", *(f"word{n:02d}" for n in range(2, 14)), "extra14", "extra15"]
SENT_TAGS = ["tea coffee", *TAGS[1:13]]


def _write(folder: Path, products: list[dict[str, Any]]) -> Path:
    path = folder / "catalog.json"
    path.write_text(json.dumps({"products": products}, indent=2), encoding="utf-8")
    return path


def _products(tags: list[str] = TAGS) -> list[dict[str, Any]]:
    mug = {
        "id": "prod_tags",
        "handle": "tagged-mug",
        "title": "Speckled Stoneware Mug",
        "description": "Wheel-thrown stoneware mug.",
        "thumbnail": "images/mug-front.png",
        "tags": tags,
        "metadata": {"etsy_taxonomy_id": 1073},
        "variants": [
            {
                "sku": "MUG",
                "prices": [{"amount": 28, "currency_code": "usd"}],
                "inventory_quantity": 5,
            }
        ],
    }
    tee = {
        "id": "prod_tee",
        "handle": "linen-tee",
        "title": "Linen Tee",
        "description": "Relaxed-fit linen tee.",
        "thumbnail": "images/tee-indigo.png",
        "metadata": {"etsy_taxonomy_id": 482},
        "options": [
            {"title": "Size", "values": ["S", "M"]},
            {"title": "Colour", "values": ["Sand", "Moss"]},
        ],
        "variants": [
            {
                "sku": f"TEE-{size}-{colour.upper()}",
                # values only, in the order of the product's options (the example)
                "options": [{"value": size}, {"value": colour}],
                "prices": [{"amount": 38, "currency_code": "usd"}],
                "inventory_quantity": 3,
            }
            for size in ("S", "M")
            for colour in ("Sand", "Moss")
        ],
    }
    return [mug, tee]


def _catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "catalog"
    (folder / "images").mkdir(parents=True)
    for name in ("mug-front.png", "tee-indigo.png"):
        shutil.copy(DEMO_IMAGES / name, folder / "images" / name)
    return _write(folder, _products())


def _plan(cli: Any, path: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = cli("plan", "--source", "file", str(path), "--json", env=env)
    assert result.exit_code in (0, 2), result.stderr
    return json.loads(result.stdout)


def _items(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["product_id"]: item for item in document["items"]}


def test_fifteen_tags_and_value_only_options_are_listed_with_warnings(
    cli, connected, tmp_path: Path
) -> None:
    path = _catalog(tmp_path)

    # The review table: both products are created, and the warnings are under them.
    review = cli("plan", "--source", "file", str(path))
    assert review.exit_code == 0, review.stderr
    assert "2 create" in review.stdout and "invalid" not in review.stdout
    assert "warning: Etsy takes at most 13 tags; left out:" in " ".join(review.stdout.split())
    assert "'extra14'," in review.stdout and "'extra15'" in review.stdout
    assert "'tea/coffee'" in review.stdout
    txn = re.search(r"etsysync confirm (txn_\w+)", review.stdout)
    assert txn is not None
    # `status TXN` shows the stored warnings too, and its JSON carries them
    status = cli("status", txn.group(1))
    assert status.exit_code == 0, status.stderr
    assert "'extra15'" in status.stdout
    stored = _items(json.loads(cli("status", txn.group(1), "--json").stdout))
    assert any("'extra15'" in w for w in stored["prod_tags"]["warnings"])

    # plan --json: the same items, the warnings in `warnings`
    staged = _plan(cli, path)
    assert staged["counts"] == {"create": 2}
    items = _items(staged)
    assert items["prod_tags"]["warnings"] == [
        "tag 'tea/coffee' is sent as 'tea coffee' (Etsy takes only letters, digits, spaces, - "
        "and ' in tags)",
        "Etsy takes at most 13 tags; left out: 'extra14', 'extra15'",
    ]
    assert items["prod_tee"]["variants"] == 4 and items["prod_tee"]["warnings"] == []

    confirmed = cli("confirm", staged["transaction_id"], "--yes")
    assert confirmed.exit_code == 0, confirmed.stderr
    listings = {x["title"]: x for x in shop_listings(connected)}
    assert listings["Speckled Stoneware Mug"]["tags"] == SENT_TAGS
    tee = listings["Linen Tee"]["inventory"]["products"]
    grid = sorted(
        (p["sku"], [(v["property_name"], v["values"][0]) for v in p["property_values"]])
        for p in tee
    )
    assert grid == [
        ("TEE-M-MOSS", [("Size", "M"), ("Colour", "Moss")]),
        ("TEE-M-SAND", [("Size", "M"), ("Colour", "Sand")]),
        ("TEE-S-MOSS", [("Size", "S"), ("Colour", "Moss")]),
        ("TEE-S-SAND", [("Size", "S"), ("Colour", "Sand")]),
    ]

    # What is compared is what is sent: an unchanged catalog is unchanged, and so is one whose
    # left-out tags changed, plan after plan (the link stays synced).
    assert _plan(cli, path)["counts"] == {"unchanged": 2}
    _write(path.parent, _products([*TAGS[:13], "other14", "other15", "other16"]))
    for _ in range(2):
        again = _plan(cli, path)
        assert again["counts"] == {"unchanged": 2}
    link = json.loads(cli("status", "--product", "prod_tags", "--json").stdout)
    assert link["sync_status"] == "synced"


def test_with_extra_tags_invalid_the_fifteen_tag_product_is_invalid(
    cli, connected, tmp_path: Path
) -> None:
    staged = _plan(cli, _catalog(tmp_path), env={"ETSYSYNC_LISTING_EXTRA_TAGS": "invalid"})
    assert staged["counts"] == {"create": 1, "invalid": 1}
    reasons = _items(staged)["prod_tags"]["reasons"]
    assert reasons[0].startswith("has 15 tags; Etsy allows at most 13")
    assert reasons[1].startswith("tag 'tea/coffee' contains '/'")
    assert all('set listing.extra_tags = "drop"' in r for r in reasons)
