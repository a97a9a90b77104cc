"""Medusa products recorded from a real server (tests/fixtures/medusa), and listing defaults."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from etsysync_cli.domain.listing import ListingDefaults
from etsysync_cli.domain.product import Product

MEDUSA = Path(__file__).parents[1] / "fixtures" / "medusa"


def medusa_products() -> dict[str, Product]:
    products = {}
    for page in ("products-page-1.json", "products-page-2.json"):
        data = json.loads((MEDUSA / page).read_text(encoding="utf-8"), parse_float=Decimal)
        for raw in data["products"]:
            product = Product.model_validate(raw)
            products[product.handle or ""] = product
    return products


@pytest.fixture(scope="session")
def catalog() -> dict[str, Product]:
    return medusa_products()


@pytest.fixture
def defaults() -> ListingDefaults:
    return ListingDefaults(taxonomy_id=1633, shipping_profile_id=11, readiness_state_id=22)
