"""Reading the connected shop's profiles from Etsy: one getShop, three profile reads and
getShopProductionPartners (one request each; the spec pages none of them but processing
profiles)."""

from __future__ import annotations

from etsysync_cli.domain.shop import Choice, Partner, ShopProfiles
from etsysync_cli.etsy.client import EtsyClient


def read_profiles(client: EtsyClient, shop_id: int) -> ShopProfiles:
    shop = client.get_shop(shop_id)
    profiles = ShopProfiles(
        shop_id=shop_id,
        shop_name=shop.shop_name,
        currency_code=shop.currency_code,
        shipping_profiles=[
            Choice(p.shipping_profile_id, p.title or "")
            for p in client.get_shipping_profiles(shop_id)
            if not p.is_deleted
        ],
        return_policies=[
            Choice(
                p.return_policy_id,
                f"returns {'accepted' if p.accepts_returns else 'not accepted'}"
                + (f", {p.return_deadline} days" if p.return_deadline else ""),
            )
            for p in client.get_return_policies(shop_id)
        ],
        readiness_states=[
            Choice(
                p.readiness_state_id,
                f"{p.readiness_state}, {p.min_processing_days}-{p.max_processing_days} days",
            )
            for p in client.get_readiness_state_definitions(shop_id)
        ],
        production_partners=[
            Partner(p.production_partner_id, p.partner_name, p.location)
            for p in client.get_production_partners(shop_id)
        ],
    )
    return profiles
