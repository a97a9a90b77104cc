"""EtsyClient against a mocked Etsy: every request's shape, and every way it can fail."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from urllib.parse import parse_qs

import httpx
import pytest
import respx
from etsy_fakes import API_KEY, SECRET, image_json, inventory_json, listing_json, money

from etsysync_cli.domain.listing import InventoryProduct, ListingInventory, Offering
from etsysync_cli.errors import (
    ConfigError,
    EtsyAuthError,
    EtsyConnectionError,
    EtsyError,
    EtsyNotFoundError,
    EtsyRateLimitError,
    EtsyServerError,
    EtsyValidationError,
    QuotaExhaustedError,
)
from etsysync_cli.etsy.client import EtsyClient
from etsysync_cli.etsy.events import EtsyEvent
from etsysync_cli.etsy.forms import encode_form
from etsysync_cli.etsy.inventory import EtsyInventory, inventory_body
from etsysync_cli.etsy.ratelimit import RateLimiter
from etsysync_cli.etsy.retry import RetryPolicy


@pytest.fixture(autouse=True)
def every_request_is_well_formed(etsy: respx.MockRouter) -> Iterator[None]:
    """After each test: every call carried the API key and our User-Agent, never `legacy`."""
    yield
    for call in etsy.calls:
        request = call.request
        assert request.headers["x-api-key"] == API_KEY
        assert request.headers["user-agent"] == "etsysync/0.1.0"
        assert "legacy" not in str(request.url)


def form(request: httpx.Request) -> dict[str, str]:
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    parsed = parse_qs(request.content.decode(), keep_blank_values=True)
    assert all(len(values) == 1 for values in parsed.values()), "a repeated form key"
    return {key: values[0] for key, values in parsed.items()}


def query(request: httpx.Request) -> dict[str, str]:
    return dict(request.url.params)


# --- reads ------------------------------------------------------------------------------------


def test_ping(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.get("/openapi-ping").respond(200, json={"application_id": 42})
    assert client.ping() == 42
    assert str(route.calls.last.request.url) == "https://etsy.test/v3/application/openapi-ping"


def test_get_me(etsy: respx.MockRouter, client: EtsyClient) -> None:
    etsy.get("/users/me").respond(200, json={"user_id": 12345678, "shop_id": 555})
    me = client.get_me()
    assert (me.user_id, me.shop_id) == (12345678, 555)


def test_etsys_clock_is_read_from_its_date_header(
    etsy: respx.MockRouter, client: EtsyClient
) -> None:
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    behind = datetime.now(UTC) - timedelta(seconds=120)
    date = format_datetime(behind, usegmt=True)
    etsy.get("/users/me").respond(200, json={"user_id": 1}, headers={"date": date})
    assert client.clock_offset == 0.0  # nothing read yet
    client.get_me()
    assert -122 < client.clock_offset < -118
    now = datetime.now(UTC)
    assert abs((client.etsy_time(now) - behind).total_seconds()) < 2
    etsy.get("/users/me").respond(200, json={"user_id": 1}, headers={"date": "not a date"})
    client.get_me()
    assert -122 < client.clock_offset < -118  # an unreadable header changes nothing


def test_get_shop_and_by_owner(etsy: respx.MockRouter, client: EtsyClient) -> None:
    shop = {
        "shop_id": 555,
        "user_id": 12345678,
        "shop_name": "MugShop",
        "currency_code": "EUR",
        "url": "https://www.etsy.com/shop/MugShop",
        "is_vacation": False,
        "listing_active_count": 12,
    }
    etsy.get("/shops/555").respond(200, json=shop)
    etsy.get("/users/12345678/shops").respond(200, json=shop)
    assert client.get_shop(555).currency_code == "EUR"
    assert client.get_shop_by_owner(12345678).shop_name == "MugShop"


def test_shop_profiles(etsy: respx.MockRouter, client: EtsyClient) -> None:
    etsy.get("/shops/555/shipping-profiles").respond(
        200,
        json={
            "count": 1,
            "results": [
                {
                    "shipping_profile_id": 7,
                    "title": "Standard",
                    "origin_country_iso": "DE",
                    "profile_type": "manual",
                    "is_deleted": False,
                    "shipping_profile_destinations": [{"destination_country_iso": "DE"}],
                }
            ],
        },
    )
    etsy.get("/shops/555/policies/return").respond(
        200,
        json={
            "count": 1,
            "results": [
                {
                    "return_policy_id": 8,
                    "shop_id": 555,
                    "accepts_returns": True,
                    "accepts_exchanges": False,
                    "return_deadline": 30,
                }
            ],
        },
    )
    [profile] = client.get_shipping_profiles(555)
    assert profile.shipping_profile_id == 7 and profile.shipping_profile_destinations
    [policy] = client.get_return_policies(555)
    assert policy.return_deadline == 30


def test_readiness_state_definitions_are_paginated(
    etsy: respx.MockRouter, client: EtsyClient
) -> None:
    def definition(i: int) -> dict[str, object]:
        return {
            "shop_id": 555,
            "readiness_state_id": i,
            "readiness_state": "made_to_order",
            "min_processing_days": 1,
            "max_processing_days": 3,
            "processing_days_display_label": "1-3 days",
        }

    route = etsy.get("/shops/555/readiness-state-definitions").mock(
        side_effect=[
            httpx.Response(
                200, json={"count": 101, "results": [definition(i) for i in range(100)]}
            ),
            httpx.Response(200, json={"count": 101, "results": [definition(100)]}),
        ]
    )
    definitions = client.get_readiness_state_definitions(555)
    assert [d.readiness_state_id for d in definitions] == list(range(101))
    assert [query(call.request) for call in route.calls] == [
        {"limit": "100", "offset": "0"},
        {"limit": "100", "offset": "100"},
    ]


def test_taxonomy(etsy: respx.MockRouter, client: EtsyClient) -> None:
    etsy.get("/seller-taxonomy/nodes").respond(
        200,
        json={
            "count": 1,
            "results": [
                {
                    "id": 1,
                    "level": 0,
                    "name": "Home & Living",
                    "parent_id": None,
                    "children": [
                        {"id": 1633, "level": 1, "name": "Mugs", "parent_id": 1, "children": []}
                    ],
                    "full_path_taxonomy_ids": [1],
                }
            ],
        },
    )
    etsy.get("/seller-taxonomy/nodes/1633/properties").respond(
        200,
        json={
            "count": 1,
            "results": [
                {
                    "property_id": 200,
                    "name": "color",
                    "display_name": "Primary color",
                    "scales": [],
                    "is_required": False,
                    "supports_attributes": True,
                    "supports_variations": True,
                    "is_multivalued": False,
                    "max_values_allowed": None,
                    "possible_values": [{"value_id": 1, "name": "Red", "scale_id": None}],
                    "selected_values": [],
                }
            ],
        },
    )
    [root] = client.get_seller_taxonomy_nodes()
    assert [n.id for n in root.walk()] == [1, 1633]
    [prop] = client.get_taxonomy_properties(1633)
    assert prop.supports_variations and prop.possible_values[0].name == "Red"


def test_get_listing_with_images(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.get("/listings/111").respond(200, json=listing_json(111, images=[image_json(901)]))
    listing = client.get_listing(111, includes=["Images", "Shop"])
    assert query(route.calls.last.request) == {"includes": "Images,Shop"}
    assert listing.price is not None and listing.price.value == Decimal("12.50")
    assert listing.images is not None and listing.images[0].listing_image_id == 901


def test_iter_listings_by_shop_walks_every_page(etsy: respx.MockRouter, client: EtsyClient) -> None:
    pages = [
        [listing_json(i) for i in range(1, 101)],
        [listing_json(i) for i in range(101, 201)],
        [listing_json(i) for i in range(201, 251)],
    ]
    route = etsy.get("/shops/555/listings").mock(
        side_effect=[httpx.Response(200, json={"count": 250, "results": page}) for page in pages]
    )
    ids = [listing.listing_id for listing in client.iter_listings_by_shop(555, state="draft")]
    assert ids == list(range(1, 251))
    assert [query(call.request) for call in route.calls] == [
        {"state": "draft", "limit": "100", "offset": str(offset)} for offset in (0, 100, 200)
    ]


def test_iter_listings_stops_on_an_empty_page(etsy: respx.MockRouter, client: EtsyClient) -> None:
    etsy.get("/shops/555/listings").mock(
        side_effect=[
            httpx.Response(200, json={"count": 9, "results": [listing_json(1)]}),
            httpx.Response(200, json={"count": 9, "results": []}),
        ]
    )
    assert [x.listing_id for x in client.iter_listings_by_shop(555, page_size=1)] == [1]


def test_get_listings_by_ids(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.get("/listings/batch").respond(
        200, json={"count": 2, "results": [listing_json(1), listing_json(2)]}
    )
    assert [x.listing_id for x in client.get_listings_by_ids([1, 2], includes=["Images"])] == [1, 2]
    assert query(route.calls.last.request) == {"listing_ids": "1,2", "includes": "Images"}
    assert client.get_listings_by_ids([]) == []
    with pytest.raises(ValueError, match="at most 100"):
        client.get_listings_by_ids(list(range(1, 102)))
    assert route.call_count == 1


def test_get_listings_inventory_by_ids(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.get("/listings/batch/inventory").respond(
        200, json={"count": 1, "results": [listing_json(1, inventory=inventory_json())]}
    )
    [listing] = client.get_listings_inventory_by_ids([1])
    assert listing.inventory is not None
    assert listing.inventory.products[1].offerings[0].price.value == Decimal("19.99")
    assert query(route.calls.last.request) == {"listing_ids": "1"}


# --- writes -----------------------------------------------------------------------------------


def test_create_draft_listing_is_form_encoded(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.post("/shops/555/listings").respond(201, json=listing_json(111))
    listing = client.create_draft_listing(
        555,
        {
            "quantity": 3,
            "title": "Red mug, 350 ml",
            "description": "A red mug.\nDishwasher safe & sturdy.",
            "price": Decimal("12.50"),
            "who_made": "i_did",
            "when_made": "made_to_order",
            "is_supply": False,
            "taxonomy_id": 1633,
            "shipping_profile_id": 7,
            "readiness_state_id": 1234,
            "tags": ["mug", "red mug", "kitchen"],
            "materials": ["clay"],
            "should_auto_renew": True,
            "shop_section_id": None,
        },
    )
    assert listing.listing_id == 111
    assert route.calls.last.request.method == "POST"
    assert form(route.calls.last.request) == {
        "quantity": "3",
        "title": "Red mug, 350 ml",
        "description": "A red mug.\nDishwasher safe & sturdy.",
        "price": "12.50",
        "who_made": "i_did",
        "when_made": "made_to_order",
        "is_supply": "false",
        "taxonomy_id": "1633",
        "shipping_profile_id": "7",
        "readiness_state_id": "1234",
        "tags": "mug,red mug,kitchen",
        "materials": "clay",
        "should_auto_renew": "true",
    }


def test_update_listing_is_a_form_patch(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.patch("/shops/555/listings/111").respond(200, json=listing_json(111))
    client.update_listing(
        555, 111, {"title": "Blue mug", "image_ids": [3, 1, 2], "state": "active"}
    )
    request = route.calls.last.request
    assert request.method == "PATCH"
    assert form(request) == {"title": "Blue mug", "image_ids": "3,1,2", "state": "active"}


@pytest.mark.parametrize("field", ["price", "quantity", "sku", "readiness_state_id"])
def test_update_listing_refuses_inventory_fields(client: EtsyClient, field: str) -> None:
    with pytest.raises(ValueError, match="update_listing_inventory"):
        client.update_listing(555, 111, {"title": "x", field: 1})


def test_update_listing_refuses_states_etsy_cannot_set(client: EtsyClient) -> None:
    with pytest.raises(ValueError, match="active or inactive"):
        client.update_listing(555, 111, {"state": "draft"})


def test_delete_listing(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.delete("/listings/111").respond(204)
    client.delete_listing(111)
    assert route.calls.last.request.method == "DELETE"


def test_upload_listing_image_is_multipart(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.post("/shops/555/listings/111/images").respond(201, json=image_json(901))
    image = client.upload_listing_image(
        555, 111, b"\xff\xd8JPEGDATA", "mug.jpg", rank=2, overwrite=True, alt_text="a red mug"
    )
    assert image.listing_image_id == 901
    request = route.calls.last.request
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    body = request.content
    assert b'name="image"; filename="mug.jpg"' in body
    assert b"Content-Type: image/jpeg" in body
    assert b"\xff\xd8JPEGDATA" in body
    for name, value in (("rank", b"2"), ("overwrite", b"true"), ("alt_text", b"a red mug")):
        assert f'name="{name}"'.encode() + b"\r\n\r\n" + value in body


def test_upload_sends_only_what_was_given(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.post("/shops/555/listings/111/images").respond(201, json=image_json(901))
    client.upload_listing_image(555, 111, b"PNG", "a.png")
    body = route.calls.last.request.content
    assert b'name="rank"' not in body and b'name="overwrite"' not in body
    assert b"Content-Type: image/png" in body


def test_listing_images(etsy: respx.MockRouter, client: EtsyClient) -> None:
    etsy.get("/listings/111/images").respond(
        200, json={"count": 2, "results": [image_json(901, rank=1), image_json(902, rank=2)]}
    )
    route = etsy.delete("/shops/555/listings/111/images/902").respond(204)
    assert [i.rank for i in client.get_listing_images(111)] == [1, 2]
    client.delete_listing_image(555, 111, 902)
    assert route.called


def test_get_listing_inventory(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.get("/listings/111/inventory").respond(200, json=inventory_json())
    inventory = client.get_listing_inventory(111, show_deleted=True)
    assert query(route.calls.last.request) == {"show_deleted": "true"}
    assert [p.sku for p in inventory.products] == ["MUG-RED", "MUG-BLUE", "MUG-OLD"]


def test_update_listing_inventory_is_an_exact_json_put(
    etsy: respx.MockRouter, client: EtsyClient
) -> None:
    route = etsy.put("/listings/111/inventory").respond(200, json=inventory_json())
    update = ListingInventory(
        products=[
            InventoryProduct(sku="A", offerings=[Offering(price=Decimal("12.50"), quantity=2)])
        ]
    )
    result = client.update_listing_inventory(111, update, max_variations_supported=2)
    assert isinstance(result, EtsyInventory)
    request = route.calls.last.request
    assert request.method == "PUT"
    assert request.headers["content-type"] == "application/json"
    assert query(request) == {"max_variations_supported": "2"}
    assert request.content == inventory_body(update).encode()
    assert b'"price":12.50' in request.content
    sent = json.loads(request.content, parse_float=Decimal)
    assert sent["products"][0]["property_values"] == []


def test_inventory_get_put_round_trip(etsy: respx.MockRouter, client: EtsyClient) -> None:
    etsy.get("/listings/111/inventory").respond(200, json=inventory_json())
    put = etsy.put("/listings/111/inventory").respond(200, json=inventory_json())
    client.update_listing_inventory(111, client.get_listing_inventory(111).to_listing_inventory())
    sent = json.loads(put.calls.last.request.content, parse_float=Decimal)
    assert [p["sku"] for p in sent["products"]] == ["MUG-RED", "MUG-BLUE"]
    assert sent["products"][1]["offerings"][0]["price"] == Decimal("19.99")


# --- errors and retries -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "etsy_text"),
    [
        (
            {"error": "There was a problem with /price : must be above min price"},
            "There was a problem with /price : must be above min price",
        ),
        (
            {"error": "invalid_request", "error_description": "title is required"},
            "title is required (invalid_request)",
        ),
        (
            [{"path": "/quantity", "type": "int", "message": "cannot be greater than 999"}],
            "/quantity: cannot be greater than 999",
        ),
    ],
)
def test_400_shapes_reach_the_user_and_are_not_retried(
    etsy: respx.MockRouter, client: EtsyClient, body: object, etsy_text: str
) -> None:
    route = etsy.post("/shops/555/listings").respond(400, json=body)
    with pytest.raises(EtsyValidationError) as caught:
        client.create_draft_listing(555, {"title": "x"})
    assert str(caught.value) == f"Etsy refused the request (400): {etsy_text}"
    assert caught.value.etsy_message == etsy_text
    assert route.call_count == 1


def test_404_is_not_retried(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.get("/listings/9").respond(404, json={"error": "Listing 9 not found"})
    with pytest.raises(EtsyNotFoundError, match="Listing 9 not found"):
        client.get_listing(9)
    assert route.call_count == 1


def test_403_bad_api_key(etsy: respx.MockRouter, client: EtsyClient) -> None:
    etsy.get("/users/me").respond(
        403, json={"error": "Invalid API key: should be in the format 'keystring:shared_secret'."}
    )
    with pytest.raises(EtsyAuthError) as caught:
        client.get_me()
    assert "Invalid API key" in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET not in (caught.value.hint or "")


def test_5xx_is_retried_until_success(
    etsy: respx.MockRouter, client: EtsyClient, retry_sleeps: list[float]
) -> None:
    route = etsy.get("/users/me").mock(
        side_effect=[
            httpx.Response(500, json={"error": "Server Error"}),
            httpx.Response(503, text="unavailable"),
            httpx.Response(200, json={"user_id": 1, "shop_id": 2}),
        ]
    )
    assert client.get_me().shop_id == 2
    assert route.call_count == 3
    assert len(retry_sleeps) == 2
    assert client.stats.retries_by_operation == {"getMe": 2}


def test_5xx_gives_up_after_the_attempt_limit(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient]
) -> None:
    client = make_client(retry=RetryPolicy.no_wait(max_attempts=3))
    route = etsy.get("/users/me").respond(500, json={"error": "Server Error"})
    with pytest.raises(EtsyServerError, match=r"\(500\): Server Error"):
        client.get_me()
    assert route.call_count == 3


def test_429_honours_retry_after_and_pauses_the_limiter(
    etsy: respx.MockRouter,
    client: EtsyClient,
    retry_sleeps: list[float],
    events: list[EtsyEvent],
) -> None:
    route = etsy.patch("/shops/555/listings/111").mock(
        side_effect=[
            httpx.Response(
                429, json={"error": "Exceeded per second rate limit"}, headers={"retry-after": "2"}
            ),
            httpx.Response(200, json=listing_json(111)),
        ]
    )
    client.update_listing(555, 111, {"title": "x"})
    assert route.call_count == 2
    assert retry_sleeps == [2.0]
    kinds = [e.kind for e in events]
    assert "rate_limited" in kinds and "retry" in kinds
    waits = [e for e in events if e.kind == "wait" and e.detail == "paused after a 429"]
    assert waits and waits[0].seconds == pytest.approx(2.0, abs=0.01)
    assert client.stats.rate_limited == 1


def test_429_gives_up_after_the_attempt_limit(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient]
) -> None:
    client = make_client(retry=RetryPolicy.no_wait(max_attempts=2))
    etsy.get("/users/me").respond(429, json={"error": "Exceeded per second rate limit"})
    with pytest.raises(EtsyRateLimitError):
        client.get_me()


def test_daily_quota_stops_without_retrying(
    etsy: respx.MockRouter, client: EtsyClient, retry_sleeps: list[float]
) -> None:
    route = etsy.get("/users/me").respond(
        429,
        json={"error": "Exceeded daily rate limit"},
        headers={"retry-after": "86400", "x-remaining-today": "0"},
    )
    with pytest.raises(QuotaExhaustedError) as caught:
        client.get_me()
    assert caught.value.retry_after == 86400
    assert route.call_count == 1 and retry_sleeps == []
    with pytest.raises(QuotaExhaustedError):  # later calls stop before sending
        client.get_me()
    assert route.call_count == 1


def test_daily_quota_from_the_text_alone(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.get("/users/me").respond(
        429, json={"error": "Exceeded daily rate limit"}, headers={"retry-after": "30"}
    )
    with pytest.raises(QuotaExhaustedError):
        client.get_me()
    with pytest.raises(QuotaExhaustedError):
        client.get_me()
    assert route.call_count == 1


def test_connection_errors_are_retried(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.get("/users/me").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.ReadTimeout("slow"),
            httpx.Response(200, json={"user_id": 1}),
        ]
    )
    assert client.get_me().user_id == 1
    assert route.call_count == 3
    assert client.stats.connection_errors == 2


def test_connection_error_names_the_host(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient]
) -> None:
    client = make_client(retry=RetryPolicy.never())
    etsy.get("/users/me").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(EtsyConnectionError, match=r"Could not reach Etsy at etsy\.test"):
        client.get_me()


def test_create_is_not_retried_on_500(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.post("/shops/555/listings").respond(500, json={"error": "Server Error"})
    with pytest.raises(EtsyServerError):
        client.create_draft_listing(555, {"title": "x"})
    assert route.call_count == 1


def test_create_is_not_retried_after_a_read_timeout(
    etsy: respx.MockRouter, client: EtsyClient
) -> None:
    route = etsy.post("/shops/555/listings").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(EtsyConnectionError):
        client.create_draft_listing(555, {"title": "x"})
    assert route.call_count == 1


def test_create_is_retried_when_nothing_was_sent(
    etsy: respx.MockRouter, client: EtsyClient
) -> None:
    route = etsy.post("/shops/555/listings").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(429, json={"error": "Exceeded per second rate limit"}),
            httpx.Response(201, json=listing_json(111)),
        ]
    )
    assert client.create_draft_listing(555, {"title": "x"}).listing_id == 111
    assert route.call_count == 3


def test_upload_is_not_retried_on_500(etsy: respx.MockRouter, client: EtsyClient) -> None:
    route = etsy.post("/shops/555/listings/111/images").respond(500, json={"error": "Server Error"})
    with pytest.raises(EtsyServerError):
        client.upload_listing_image(555, 111, b"x", "a.jpg")
    assert route.call_count == 1


def test_non_json_success_is_an_etsy_error(etsy: respx.MockRouter, client: EtsyClient) -> None:
    etsy.get("/users/me").respond(200, text="<html>maintenance</html>")
    with pytest.raises(EtsyError, match="getMe is not JSON"):
        client.get_me()


def test_unexpected_shape_is_an_etsy_error(etsy: respx.MockRouter, client: EtsyClient) -> None:
    etsy.get("/listings/1").respond(200, json={"title": "no id"})
    with pytest.raises(EtsyError, match=r"getListing is not what etsysync expects \(listing_id"):
        client.get_listing(1)


def test_limiter_learns_from_response_headers(
    etsy: respx.MockRouter, client: EtsyClient, limiter: RateLimiter
) -> None:
    etsy.get("/users/me").respond(
        200,
        json={"user_id": 1},
        headers={
            "x-limit-per-second": "150",
            "x-remaining-this-second": "149",
            "x-limit-per-day": "100000",
            "x-remaining-today": "99990",
        },
    )
    client.get_me()
    assert limiter.limit_per_second == 150
    assert (limiter.limit_per_day, limiter.remaining_today) == (100000, 99990)
    assert client.stats.requests_by_operation == {"getMe": 1}


def test_max_requests_cap_stops_the_client(
    etsy: respx.MockRouter, make_client: Callable[..., EtsyClient]
) -> None:
    client = make_client(limiter=RateLimiter(max_requests=1))
    route = etsy.get("/users/me").respond(200, json={"user_id": 1})
    client.get_me()
    with pytest.raises(QuotaExhaustedError, match="max-requests"):
        client.get_me()
    assert route.call_count == 1


# --- construction and forms ---------------------------------------------------------------------


def test_client_needs_keystring_and_secret() -> None:
    with pytest.raises(ConfigError):
        EtsyClient("https://etsy.test/v3", "key", "")
    with pytest.raises(ConfigError):
        EtsyClient("https://etsy.test/v3", "", "secret")


def test_client_repr_hides_the_secret(client: EtsyClient) -> None:
    assert SECRET not in repr(client)


def test_client_accepts_a_secretstr(etsy: respx.MockRouter) -> None:
    from pydantic import SecretStr

    route = etsy.get("/openapi-ping").respond(200, json={"application_id": 1})
    with EtsyClient("https://etsy.test/v3/", "keystr1ng", SecretStr(SECRET)) as client:
        client.ping()
    assert route.calls.last.request.headers["x-api-key"] == API_KEY


def test_encode_form_rules() -> None:
    assert encode_form({"a": True, "b": False, "c": [1, 2], "d": None, "e": Decimal("0.20")}) == {
        "a": "true",
        "b": "false",
        "c": "1,2",
        "e": "0.20",
    }
    with pytest.raises(TypeError, match="price"):
        encode_form({"price": 12.5})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="comma"):
        encode_form({"tags": ["a,b"]})
    with pytest.raises(ValueError, match="legacy"):
        encode_form({"legacy": True})
    with pytest.raises(ValueError, match="processing_min"):
        encode_form({"processing_min": 1})


def test_money_helper_is_exact() -> None:
    assert money(1999)["amount"] == 1999
