"""The catalog examples of docs/catalogs.md (moved there from README) read and map cleanly."""

# ruff: noqa: E501  (the examples keep their real, long lines)

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from etsysync_cli.domain.listing import ListingDefaults
from etsysync_cli.domain.mapping import MappedListing, map_product
from etsysync_cli.domain.product import Product
from etsysync_cli.sources.files import iter_products

README = Path(__file__).resolve().parents[2] / "docs" / "catalogs.md"


def readme_block(language: str) -> str:
    """The first ```language block of docs/catalogs.md: the docs are tested."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("# Catalog files") :]
    match = re.search(rf"```{language}\n(.*?)```", section, flags=re.DOTALL)
    assert match, f"docs/catalogs.md has no {language} example"
    return match.group(1)


JSON_EXAMPLE = readme_block("json")
CSV_EXAMPLE = readme_block("csv")
JSONL_EXAMPLE = """\
{"handle": "walnut-board", "title": "Walnut Serving Board", "description": "Solid walnut.", "variants": [{"sku": "WSB-45", "prices": [{"amount": 120, "currency_code": "usd"}], "inventory_quantity": 6}]}
{"handle": "fern-print", "title": "Botanical Print", "description": "Archival giclée.", "variants": [{"sku": "PRT-A4", "manage_inventory": false, "prices": [{"amount": 25, "currency_code": "usd"}]}]}
"""


@pytest.mark.parametrize(
    ("name", "text", "count"),
    [
        ("catalog.json", JSON_EXAMPLE, 1),
        ("catalog.jsonl", JSONL_EXAMPLE, 2),
        ("catalog.csv", CSV_EXAMPLE, 2),
    ],
)
def test_readme_examples(tmp_path: Path, name: str, text: str, count: int) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    results = list(iter_products(tmp_path / name))
    assert len(results) == count and all(isinstance(r, Product) for r in results)
    defaults = ListingDefaults(taxonomy_id=1, shipping_profile_id=2, readiness_state_id=3)
    for product in results:
        assert isinstance(product, Product)
        mapped = map_product(product, currency="USD", defaults=defaults, today=date(2026, 11, 28))
        assert isinstance(mapped, MappedListing), mapped
        if product.handle == "linen-tee":
            draft = mapped.draft
            assert draft.taxonomy_id == 482
            assert [o.offerings[0].price for o in draft.inventory.products] == [
                Decimal("38.00"),
                Decimal("39.50"),
            ]
            assert draft.images[0].source == str(tmp_path.absolute() / "images" / "tee-front.jpg")
