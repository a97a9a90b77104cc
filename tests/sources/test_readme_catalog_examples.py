"""The catalog examples the docs show (examples/catalog.json, .jsonl and .csv, with their
images) read, map, and pass `plan` *and* `confirm` against the sandbox: every product ends
`synced` (issue 16, point 5: README's examples used to pass plan and fail at confirm).

The docs show the files themselves: a page that quotes one puts the marker
`<!-- example: examples/catalog.json -->` right before the fenced block, and the block must be
the file, byte for byte (`test_docs_quote_the_example_files`).
"""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from tests.sync.conftest import shop_listings

from etsysync_cli.domain.listing import ListingDefaults
from etsysync_cli.domain.mapping import MappedListing, map_product
from etsysync_cli.domain.product import Product
from etsysync_cli.sources.files import iter_products

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CATALOGS = {"catalog.json": 1, "catalog.jsonl": 2, "catalog.csv": 2}  # file: products


@pytest.mark.parametrize(("name", "count"), CATALOGS.items())
def test_examples_read_and_map(name: str, count: int) -> None:
    results = list(iter_products(EXAMPLES / name))
    assert len(results) == count and all(isinstance(r, Product) for r in results), results
    defaults = ListingDefaults(shipping_profile_id=2, readiness_state_id=3)  # no taxonomy:
    for product in results:  # each example names its own category
        assert isinstance(product, Product)
        mapped = map_product(product, currency="USD", defaults=defaults, today=date(2026, 11, 28))
        assert isinstance(mapped, MappedListing), mapped
        for ref in mapped.draft.images:
            assert Path(ref.source).is_file(), f"{name}: image {ref.source} does not exist"
        if product.handle == "linen-tee":
            draft = mapped.draft
            assert draft.taxonomy_id == 482
            prices = [o.offerings[0].price for o in draft.inventory.products]
            assert prices == [Decimal("38.00"), Decimal("39.50")]
            assert draft.images[0].source == str(EXAMPLES / "images" / "tee-front.png")


def test_examples_pass_plan_and_confirm(cli, connected) -> None:
    for name in CATALOGS:
        planned = cli("plan", "--source", "file", str(EXAMPLES / name), "--json")
        assert planned.exit_code == 0, planned.stderr
        staged = json.loads(planned.stdout)
        ours = [i for i in staged["items"] if i["action"] != "orphaned"]  # other files' products
        assert len(ours) == CATALOGS[name]
        assert not [i for i in ours if i["action"] == "invalid"], (name, ours)
        pushed = cli("confirm", staged["transaction_id"], "--yes", "--json")
        assert pushed.exit_code == 0, (name, pushed.stdout, pushed.stderr)
        for item in ours:
            shown = cli("status", "--product", item["product_id"], "--json")
            link: dict[str, Any] = json.loads(shown.stdout)
            assert link["sync_status"] == "synced", (name, link)
    titles = sorted(x["title"] for x in shop_listings(connected))
    assert titles == [
        "Botanical Print",
        "Hand-Dyed Linen T-Shirt",  # the JSON example's product
        "Hand-Dyed Linen T-Shirt",  # the CSV example's (another id: its handle)
        "Walnut Serving Board",  # the CSV's, updated by the JSON Lines example (same handle)
    ]


MARKER = re.compile(r"<!-- example: (\S+) -->\n```[\w-]*\n(.*?)```", flags=re.DOTALL)


def quoted_examples(text: str) -> list[tuple[str, str]]:
    """(file, the block shown) for each example marker of a page."""
    return [(m.group(1), m.group(2)) for m in MARKER.finditer(text)]


def stale_quotes(text: str) -> list[str]:
    return [name for name, shown in quoted_examples(text) if (ROOT / name).read_text() != shown]


def test_docs_quote_the_example_files() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        assert stale_quotes(page.read_text(encoding="utf-8")) == [], f"{page.name} is stale"
    # The check itself: a block that is not the file is found.
    quoted = (EXAMPLES / "catalog.csv").read_text()
    page = f"<!-- example: examples/catalog.csv -->\n```csv\n{quoted}```\n"
    assert quoted_examples(page) == [("examples/catalog.csv", quoted)]
    assert stale_quotes(page) == []
    assert stale_quotes(page.replace("LT-M", "LT-MEDIUM")) == ["examples/catalog.csv"]
