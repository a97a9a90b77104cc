"""Shared fakes and sample payloads for the Etsy client tests (imported by conftest and tests)."""

from __future__ import annotations

from typing import Any

API_URL = "https://etsy.test/v3"
BASE = API_URL + "/application"
KEYSTRING = "keystr1ng"
SECRET = "sh4red-s3cret"
API_KEY = f"{KEYSTRING}:{SECRET}"


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def money(amount: int, divisor: int = 100, currency: str = "USD") -> dict[str, Any]:
    return {"amount": amount, "divisor": divisor, "currency_code": currency}


def listing_json(listing_id: int = 111, **overrides: Any) -> dict[str, Any]:
    """A ShopListing as Etsy returns it (field names from etsy-oas.json)."""
    data: dict[str, Any] = {
        "listing_id": listing_id,
        "user_id": 12345678,
        "shop_id": 555,
        "title": "Red mug",
        "description": "A red mug.",
        "state": "draft",
        "creation_timestamp": 1760000000,
        "created_timestamp": 1760000000,
        "ending_timestamp": 1770000000,
        "original_creation_timestamp": 1760000000,
        "last_modified_timestamp": 1760000100,
        "updated_timestamp": 1760000100,
        "state_timestamp": None,
        "quantity": 3,
        "shop_section_id": None,
        "featured_rank": -1,
        "url": f"https://www.etsy.com/listing/{listing_id}/red-mug",
        "num_favorers": 0,
        "non_taxable": False,
        "is_taxable": True,
        "is_customizable": False,
        "is_personalizable": False,
        "listing_type": "physical",
        "tags": ["mug", "red"],
        "materials": ["clay"],
        "shipping_profile_id": 7,
        "return_policy_id": 8,
        "processing_min": None,
        "processing_max": None,
        "who_made": "i_did",
        "when_made": "made_to_order",
        "is_supply": False,
        "item_weight": 0.5,
        "item_weight_unit": "kg",
        "item_length": None,
        "item_width": None,
        "item_height": None,
        "item_dimensions_unit": None,
        "is_private": False,
        "style": [],
        "file_data": None,
        "has_variations": False,
        "should_auto_renew": True,
        "language": "en-US",
        "price": money(1250),
        "converted_price": None,
        "taxonomy_id": 1633,
        "readiness_state_id": None,
        "suggested_title": None,
    }
    data.update(overrides)
    return data


def image_json(image_id: int = 901, listing_id: int = 111, rank: int = 1) -> dict[str, Any]:
    return {
        "listing_id": listing_id,
        "listing_image_id": image_id,
        "hex_code": None,
        "red": None,
        "green": None,
        "blue": None,
        "hue": None,
        "saturation": None,
        "brightness": None,
        "is_black_and_white": None,
        "creation_tsz": 1760000000,
        "created_timestamp": 1760000000,
        "rank": rank,
        "url_75x75": f"https://i.etsystatic.test/{image_id}/75x75.jpg",
        "url_170x135": f"https://i.etsystatic.test/{image_id}/170x135.jpg",
        "url_570xN": f"https://i.etsystatic.test/{image_id}/570xN.jpg",
        "url_fullxfull": f"https://i.etsystatic.test/{image_id}/full.jpg",
        "full_height": None,
        "full_width": None,
        "alt_text": "a red mug",
    }


def inventory_json() -> dict[str, Any]:
    """getListingInventory for a mug in two colours, as Etsy returns it."""

    def product(pid: int, sku: str, colour: str, value_id: int, amount: int) -> dict[str, Any]:
        return {
            "product_id": pid,
            "sku": sku,
            "is_deleted": False,
            "offerings": [
                {
                    "offering_id": pid * 10,
                    "quantity": 3,
                    "is_enabled": True,
                    "is_deleted": False,
                    "price": money(amount),
                    "readiness_state_id": 1234,
                }
            ],
            "property_values": [
                {
                    "property_id": 513,
                    "property_name": "Colour",
                    "scale_id": None,
                    "scale_name": None,
                    "value_ids": [value_id],
                    "values": [colour],
                    "value_pairs": [{"value_id": value_id, "value": colour}],
                }
            ],
        }

    deleted = product(3, "MUG-OLD", "Green", 3, 999)
    deleted["is_deleted"] = True
    return {
        "products": [
            product(1, "MUG-RED", "Red", 1, 1250),
            product(2, "MUG-BLUE", "Blue", 2, 1999),
            deleted,
        ],
        "price_on_property": [513],
        "quantity_on_property": [513],
        "sku_on_property": [513],
        "readiness_state_on_property": [],
    }


def token_reply(access: str, refresh: str, expires_in: int = 3600) -> dict[str, Any]:
    return {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": refresh,
    }
