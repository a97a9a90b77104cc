"""The seeded world: the hosted sellers (one shop each, with their profiles), plus a stranger.

The hosted sellers are the ones a person can sign in as (`--shops N`, default 1): the first is
SandboxCraftShop, the others SandboxShop2, SandboxShop3, … alike, each with its own ids (user,
shop, profiles, production partner) and its own range of listing ids, so an id says whose it is.
All of them use the one app the sandbox serves, so they share its rate limits (ratelimit.py).

The stranger (OtherMakerStudio) is a seller who never signs in here: it exists so that "a token
of another user" can be tested. Etsy answers 403 when a token touches a shop its user does not
own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SELLER_USER_ID = 84729351
SELLER_SHOP_ID = 51872395
SELLER_SHOP_NAME = "SandboxCraftShop"
SHIPPING_PROFILE_ID = 184562937410
RETURN_POLICY_ID = 1193847562
READINESS_STATE_ID = 1402938475
# Each hosted seller works with one production partner (a print shop); the stranger has none, as
# a new shop does (getShopProductionPartners answered `count: 0` on a real shop, etsy-api.md §10.6).
PRODUCTION_PARTNER_ID = 3810274
PRODUCTION_PARTNER_NAME = "Riverside Print Co."
PRODUCTION_PARTNER_LOCATION = "Portland, Oregon, United States"

OTHER_USER_ID = 93184726
OTHER_SHOP_ID = 62983104
OTHER_SHOP_NAME = "OtherMakerStudio"
OTHER_SHIPPING_PROFILE_ID = 184562937499
OTHER_RETURN_POLICY_ID = 1193847599
OTHER_READINESS_STATE_ID = 1402938499

# The buyer of `/_sandbox/purchase`: an Etsy member with no shop, so never a seller here.
BUYER_USER_ID = 57203948
BUYER_NAME = "Sandbox Buyer"

# The n-th hosted seller (n from 1) has the first seller's ids plus (n - 1) steps: far apart
# enough that no two sellers' ids meet, even at MAX_SHOPS.
MAX_SHOPS = 50
ID_STEP = 1000
PROFILE_ID_STEP = 10_000  # a shipping profile's destinations use its id + 1000
FIRST_LISTING_ID = 4100000000
LISTING_ID_STEP = 10_000_000  # shop n's listings are numbered from 4,100,000,000 + (n - 1) * this

_CREATED = 1577836800  # 2020-01-01, a fixed past date so output is stable


@dataclass(frozen=True)
class Seller:
    """The ids of one hosted seller and its shop."""

    user_id: int
    shop_id: int
    shop_name: str
    login_name: str
    shipping_profile_id: int
    return_policy_id: int
    readiness_state_id: int
    production_partner_id: int
    first_listing_id: int  # the shop's listings are numbered from here


def hosted_sellers(count: int) -> list[Seller]:
    """The `count` sellers of `--shops count`: the first is today's seller, the others alike."""
    sellers = []
    for n in range(1, count + 1):
        step = n - 1
        sellers.append(
            Seller(
                user_id=SELLER_USER_ID + step * ID_STEP,
                shop_id=SELLER_SHOP_ID + step * ID_STEP,
                shop_name=SELLER_SHOP_NAME if n == 1 else f"SandboxShop{n}",
                login_name="sandboxseller" if n == 1 else f"sandboxseller{n}",
                shipping_profile_id=SHIPPING_PROFILE_ID + step * PROFILE_ID_STEP,
                return_policy_id=RETURN_POLICY_ID + step * PROFILE_ID_STEP,
                readiness_state_id=READINESS_STATE_ID + step * PROFILE_ID_STEP,
                production_partner_id=PRODUCTION_PARTNER_ID + step * ID_STEP,
                first_listing_id=FIRST_LISTING_ID + step * LISTING_ID_STEP,
            )
        )
    return sellers


@dataclass(frozen=True)
class Seed:
    sellers: list[Seller]  # the hosted sellers, in order: who can sign in
    users: dict[int, dict[str, Any]]
    shops: dict[int, dict[str, Any]]  # Shop objects, without the live listing counts
    shipping_profiles: dict[int, list[dict[str, Any]]]  # by shop_id
    return_policies: dict[int, list[dict[str, Any]]]
    processing_profiles: dict[int, list[dict[str, Any]]]
    production_partners: dict[int, list[dict[str, Any]]]  # ShopProductionPartner, by shop_id

    def seller(self, user_id: int) -> Seller | None:
        """The hosted seller with this user id (None for the stranger, the buyer, anyone)."""
        return next((s for s in self.sellers if s.user_id == user_id), None)

    def shop_of_user(self, user_id: int) -> dict[str, Any] | None:
        return next((s for s in self.shops.values() if s["user_id"] == user_id), None)

    def shipping_profile(self, shop_id: int, profile_id: int) -> dict[str, Any] | None:
        profiles = self.shipping_profiles.get(shop_id, [])
        return next((p for p in profiles if p["shipping_profile_id"] == profile_id), None)

    def return_policy(self, shop_id: int, policy_id: int) -> dict[str, Any] | None:
        policies = self.return_policies.get(shop_id, [])
        return next((p for p in policies if p["return_policy_id"] == policy_id), None)

    def processing_profile(self, shop_id: int, readiness_state_id: int) -> dict[str, Any] | None:
        profiles = self.processing_profiles.get(shop_id, [])
        return next((p for p in profiles if p["readiness_state_id"] == readiness_state_id), None)

    def production_partner(self, shop_id: int, partner_id: int) -> dict[str, Any] | None:
        partners = self.production_partners.get(shop_id, [])
        return next((p for p in partners if p["production_partner_id"] == partner_id), None)


def money(amount: int, currency: str) -> dict[str, Any]:
    return {"amount": amount, "divisor": 100, "currency_code": currency}


def _shop(shop_id: int, user_id: int, name: str, login: str, currency: str) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "user_id": user_id,
        "shop_name": name,
        "create_date": _CREATED,
        "created_timestamp": _CREATED,
        "title": f"{name}: handmade things from the local Etsy sandbox",
        "announcement": None,
        "currency_code": currency,
        "is_vacation": False,
        "vacation_message": None,
        "sale_message": None,
        "digital_sale_message": None,
        "update_date": _CREATED,
        "updated_timestamp": _CREATED,
        "listing_active_count": 0,
        "digital_listing_count": 0,
        "login_name": login,
        "accepts_custom_requests": False,
        "policy_welcome": None,
        "policy_payment": None,
        "policy_shipping": None,
        "policy_refunds": None,
        "policy_additional": None,
        "policy_seller_info": None,
        "policy_update_date": _CREATED,
        "policy_has_private_receipt_info": False,
        "has_unstructured_policies": False,
        "policy_privacy": None,
        "vacation_autoreply": None,
        "url": f"https://www.etsy.com/shop/{name}",
        "image_url_760x100": None,
        "num_favorers": 0,
        "languages": ["en-US"],
        "icon_url_fullxfull": None,
        "is_using_structured_policies": True,
        "has_onboarded_structured_policies": True,
        "include_dispute_form_link": False,
        "is_direct_checkout_onboarded": True,
        "is_etsy_payments_onboarded": True,
        "is_calculated_eligible": True,
        "is_opted_in_to_buyer_promise": False,
        "is_shop_us_based": True,
        "transaction_sold_count": 0,
        "shipping_from_country_iso": "US",
        "shop_location_country_iso": "US",
        "review_count": None,
        "review_average": None,
    }


def _shipping(profile_id: int, user_id: int, currency: str) -> dict[str, Any]:
    return {
        "shipping_profile_id": profile_id,
        "title": "Standard shipping",
        "user_id": user_id,
        "origin_country_iso": "US",
        "is_deleted": False,
        "shipping_profile_destinations": [
            {
                "shipping_profile_destination_id": profile_id + 1000,
                "shipping_profile_id": profile_id,
                "origin_country_iso": "US",
                "destination_country_iso": "US",
                "destination_region": "none",
                "primary_cost": money(500, currency),
                "secondary_cost": money(100, currency),
                "shipping_carrier_id": 0,
                "mail_class": None,
                "min_delivery_days": 3,
                "max_delivery_days": 7,
            }
        ],
        "shipping_profile_upgrades": [],
        "origin_postal_code": "10001",
        "profile_type": "manual",
        "domestic_handling_fee": 0,
        "international_handling_fee": 0,
    }


def _return_policy(policy_id: int, shop_id: int) -> dict[str, Any]:
    return {
        "return_policy_id": policy_id,
        "shop_id": shop_id,
        "accepts_returns": True,
        "accepts_exchanges": True,
        "return_deadline": 30,
    }


def _processing(readiness_state_id: int, shop_id: int) -> dict[str, Any]:
    return {
        "shop_id": shop_id,
        "readiness_state_id": readiness_state_id,
        "readiness_state": "ready_to_ship",
        "min_processing_days": 1,
        "max_processing_days": 3,
        "processing_days_display_label": "1-3 days",
    }


def _partner(partner_id: int) -> dict[str, Any]:
    """A ShopProductionPartner: exactly the OAS fields (etsy-oas.json)."""
    return {
        "production_partner_id": partner_id,
        "partner_name": PRODUCTION_PARTNER_NAME,
        "location": PRODUCTION_PARTNER_LOCATION,
    }


def build_seed(currency: str, shops: int = 1) -> Seed:
    """The hosted sellers (`shops` of them) and the stranger, with their shops and profiles."""
    sellers = hosted_sellers(shops)
    users: dict[int, dict[str, Any]] = {}
    shop_objects: dict[int, dict[str, Any]] = {}
    shipping: dict[int, list[dict[str, Any]]] = {}
    returns: dict[int, list[dict[str, Any]]] = {}
    processing: dict[int, list[dict[str, Any]]] = {}
    partners: dict[int, list[dict[str, Any]]] = {}

    def add(user_id: int, shop_id: int, name: str, login: str, profiles: tuple[int, ...]) -> None:
        ship_id, policy_id, readiness_id = profiles
        users[user_id] = {"user_id": user_id, "login_name": login, "shop_id": shop_id}
        shop_objects[shop_id] = _shop(shop_id, user_id, name, login, currency)
        shipping[shop_id] = [_shipping(ship_id, user_id, currency)]
        returns[shop_id] = [_return_policy(policy_id, shop_id)]
        processing[shop_id] = [_processing(readiness_id, shop_id)]

    for seller in sellers:
        profiles = (seller.shipping_profile_id, seller.return_policy_id, seller.readiness_state_id)
        add(seller.user_id, seller.shop_id, seller.shop_name, seller.login_name, profiles)
        # Every hosted seller works with a print shop, so one catalog fits any of them.
        partners[seller.shop_id] = [_partner(seller.production_partner_id)]
    stranger = (OTHER_SHIPPING_PROFILE_ID, OTHER_RETURN_POLICY_ID, OTHER_READINESS_STATE_ID)
    add(OTHER_USER_ID, OTHER_SHOP_ID, OTHER_SHOP_NAME, "othermaker", stranger)
    partners[OTHER_SHOP_ID] = []
    return Seed(sellers, users, shop_objects, shipping, returns, processing, partners)
