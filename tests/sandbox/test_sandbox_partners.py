"""Production partners in the sandbox: getShopProductionPartners, `production_partner_ids` on
createDraftListing and updateListing, and Etsy's marketplace refusal without a partner.

Sources: etsy-api.md §10.6; ELA (eli-jordan/etsy-listing-automation
docs/printify-etsy-integration.md, calls to the live API on 2026-09-10: the refusal, its control
cases, `production_partners` read back on getListing/getListingsByShop, `count: 0` for a new
shop); open-api#365 and #539 (the wording, and that a partner lifts the refusal); open-api#285
(an update without the field keeps the partners); shapes from etsy-oas.json
(ShopProductionPartners, ShopProductionPartner, ShopListingWithAssociations.production_partners).
"""

from __future__ import annotations

import pytest
from sandbox_helpers import create_listing, error, fields, listing_form

from etsysync_cli.sandbox import (
    OTHER_SHOP_ID,
    PRODUCTION_PARTNER_ID,
    PRODUCTION_PARTNER_LOCATION,
    PRODUCTION_PARTNER_NAME,
    SELLER_SHOP_ID,
)

LISTINGS = f"/shops/{SELLER_SHOP_ID}/listings"
REFUSAL = "There was a problem with /marketplace : Oh dear, you cannot sell this item on Etsy."
SOMEONE_ELSE = {"who_made": "someone_else", "when_made": "made_to_order", "is_supply": "false"}
PARTNER = {
    "production_partner_id": PRODUCTION_PARTNER_ID,
    "partner_name": PRODUCTION_PARTNER_NAME,
    "location": PRODUCTION_PARTNER_LOCATION,
}


def test_shop_production_partners_answer_as_the_oas_says(api):
    response = api.get(f"/shops/{SELLER_SHOP_ID}/production-partners")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == fields("ShopProductionPartners")
    assert body["count"] == 1
    assert body["results"] == [PARTNER]
    assert set(body["results"][0]) == fields("ShopProductionPartner")


def test_production_partners_need_shops_r_and_the_owner(api, sandbox):
    # The OAS lists oauth2 shops_r for getShopProductionPartners: no bearer is a 401
    # (etsy-api.md §10.5).
    anonymous = api.as_token(None).get(f"/shops/{SELLER_SHOP_ID}/production-partners")
    assert anonymous.status_code == 401
    without_scope = sandbox.issue_token(scopes=("listings_r",))["access_token"]
    assert api.as_token(without_scope).get(
        f"/shops/{SELLER_SHOP_ID}/production-partners"
    ).status_code in (401, 403)
    # Another seller's shop: not the caller's to read.
    assert api.get(f"/shops/{OTHER_SHOP_ID}/production-partners").status_code == 403


def test_a_shop_without_partners_answers_count_zero(api, sandbox):
    # ELA: a real shop with no partners answered `count: 0`; the API cannot create one.
    sandbox.state.seed.production_partners[SELLER_SHOP_ID].clear()
    body = api.get(f"/shops/{SELLER_SHOP_ID}/production-partners").json()
    assert body == {"count": 0, "results": []}


def test_someone_else_without_a_partner_is_refused_on_create(api, sandbox):
    response = api.post(LISTINGS, data=listing_form(**SOMEONE_ELSE))
    assert response.status_code == 400
    assert error(response) == REFUSAL
    assert sandbox.state.listings == {}  # a refused create changes nothing


def test_someone_else_with_a_partner_is_created_and_reads_back_the_partner(api):
    created = create_listing(api, **SOMEONE_ELSE, production_partner_ids=str(PRODUCTION_PARTNER_ID))
    # createDraftListing answers a ShopListing, which has no production_partners field.
    assert "production_partners" not in created
    assert set(created) == fields("ShopListing")
    listing_id = created["listing_id"]
    read = api.get(f"/listings/{listing_id}").json()
    assert read["production_partners"] == [PARTNER]
    assert fields("ShopListing") <= set(read) <= fields("ShopListingWithAssociations")
    page = api.get(LISTINGS, params={"state": "draft"}).json()
    assert page["results"][0]["production_partners"] == [PARTNER]
    batch = api.get("/listings/batch", params={"listing_ids": str(listing_id)}).json()
    assert batch["results"][0]["production_partners"] == [PARTNER]


def test_a_listing_without_partners_reads_back_an_empty_list(api):
    listing_id = create_listing(api)["listing_id"]
    assert api.get(f"/listings/{listing_id}").json()["production_partners"] == []


@pytest.mark.parametrize(
    "declared",
    [
        # ELA's control cases, measured against the live API on the same listing:
        {"who_made": "someone_else", "when_made": "before_2007", "is_supply": "false"},  # vintage
        {"who_made": "someone_else", "when_made": "made_to_order", "is_supply": "true"},  # supply
        {"who_made": "collective", "when_made": "made_to_order", "is_supply": "false"},
        {"who_made": "i_did", "when_made": "made_to_order", "is_supply": "false"},
    ],
)
def test_etsys_control_cases_need_no_partner(api, declared):
    assert api.post(LISTINGS, data=listing_form(**declared)).status_code == 201


def test_recent_decades_need_a_partner_like_made_to_order(api):
    # open-api#118: "another company or person" + a finished product + "made to order" or
    # "recently" is refused; the newest decade values are Etsy's "recently".
    response = api.post(LISTINGS, data=listing_form(**{**SOMEONE_ELSE, "when_made": "2010_2019"}))
    assert response.status_code == 400
    assert error(response) == REFUSAL


def test_someone_else_without_a_partner_is_refused_on_update(api):
    listing = create_listing(api)
    path = f"{LISTINGS}/{listing['listing_id']}"
    refused = api.patch(path, data=SOMEONE_ELSE)
    assert refused.status_code == 400
    assert error(refused) == REFUSAL
    assert api.get(f"/listings/{listing['listing_id']}").json()["who_made"] == "i_did"
    accepted = api.patch(
        path, data={**SOMEONE_ELSE, "production_partner_ids": str(PRODUCTION_PARTNER_ID)}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["who_made"] == "someone_else"


def test_partners_already_on_the_listing_count_and_stay(api):
    # open-api#365 (fixed 2022): who_made=someone_else on a listing that has a partner is fine;
    # open-api#285 (fixed 2021): an update that leaves the field out keeps the partners.
    listing = create_listing(api, production_partner_ids=str(PRODUCTION_PARTNER_ID))
    path = f"{LISTINGS}/{listing['listing_id']}"
    assert api.patch(path, data=SOMEONE_ELSE).status_code == 200
    assert api.patch(path, data={"title": "A new title"}).status_code == 200
    read = api.get(f"/listings/{listing['listing_id']}").json()
    assert read["production_partners"] == [PARTNER]
    # Taking the partner away from such a listing is the same refusal.
    cleared = api.patch(path, data={"production_partner_ids": ""})
    assert cleared.status_code == 400
    assert error(cleared) == REFUSAL


def test_partner_ids_must_be_the_shops(api):
    response = api.post(LISTINGS, data=listing_form(**SOMEONE_ELSE, production_partner_ids="77"))
    assert response.status_code == 400
    assert error(response) == "There was a problem with /production_partner_ids : " + (
        "production partner 77 not found"
    )


def test_partner_ids_as_a_json_array(api):
    # JSON bodies are accepted in practice (etsy-api.md §9.5): the array is a list there.
    body = {
        **{k: v for k, v in listing_form(**SOMEONE_ELSE).items()},
        "production_partner_ids": [PRODUCTION_PARTNER_ID],
    }
    response = api.post(LISTINGS, json=body)
    assert response.status_code == 201, response.text
