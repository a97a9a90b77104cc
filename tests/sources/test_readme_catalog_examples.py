"""The catalog examples proposed for README (section "Catalog files") read and map cleanly."""

# ruff: noqa: E501  (the examples keep their real, long lines)

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from etsysync_cli.mapping import MappedListing, map_product
from etsysync_cli.models import ListingDefaults
from etsysync_cli.sources.files import iter_products
from etsysync_cli.sources.product import Product

JSON_EXAMPLE = """\
{"products": [{
  "handle": "linen-tee",
  "title": "Hand-Dyed Linen T-Shirt",
  "description": "Relaxed fit, dyed by hand.",
  "thumbnail": "images/tee-front.jpg",
  "images": ["images/tee-back.jpg", "https://cdn.example.com/tee-detail.jpg"],
  "tags": ["linen", "hand dyed"],
  "material": "Linen",
  "weight": 180,
  "metadata": {"etsy_taxonomy_id": 559, "when_made": "made_to_order"},
  "options": [{"title": "Size", "values": ["S", "M"]}],
  "variants": [
    {"sku": "LT-S", "options": {"Size": "S"},
     "prices": [{"amount": 38, "currency_code": "eur"}], "inventory_quantity": 5},
    {"sku": "LT-M", "options": {"Size": "M"},
     "prices": [{"amount": 39.5, "currency_code": "eur"}], "inventory_quantity": 7}
  ]
}]}
"""

JSONL_EXAMPLE = """\
{"handle": "walnut-board", "title": "Walnut Serving Board", "description": "Solid walnut.", "variants": [{"sku": "WSB-45", "prices": [{"amount": 120, "currency_code": "eur"}], "inventory_quantity": 6}]}
{"handle": "fern-print", "title": "Botanical Print", "description": "Archival giclée.", "variants": [{"sku": "PRT-A4", "manage_inventory": false, "prices": [{"amount": 25, "currency_code": "eur"}]}]}
"""

CSV_EXAMPLE = """\
handle,title,description,tags,images,option1_name,option1_value,sku,price,currency,quantity,etsy_taxonomy_id
linen-tee,Hand-Dyed Linen T-Shirt,"Relaxed fit, dyed by hand.",linen|hand dyed,images/tee-front.jpg|images/tee-back.jpg,Size,S,LT-S,38,EUR,5,559
linen-tee,,,,,,M,LT-M,39.50,EUR,7,
walnut-board,Walnut Serving Board,Solid walnut.,walnut|kitchen,https://cdn.example.com/board.jpg,,,WSB-45,120,EUR,6,1061
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
        mapped = map_product(product, currency="EUR", defaults=defaults, today=date(2026, 11, 28))
        assert isinstance(mapped, MappedListing), mapped
        if product.handle == "linen-tee":
            draft = mapped.draft
            assert draft.taxonomy_id == 559
            assert [o.offerings[0].price for o in draft.inventory.products] == [
                Decimal("38.00"),
                Decimal("39.50"),
            ]
            assert draft.images[0].source == str(tmp_path.absolute() / "images" / "tee-front.jpg")
