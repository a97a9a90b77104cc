"""The OAS checker itself: it refuses bad requests and bad responses (so the conformance run
cannot pass by checking nothing), and it accepts what etsy-api.md §9 and §10 say Etsy does
where its document says otherwise."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from etsysync_cli.sandbox import SELLER_SHOP_ID, SandboxConfig, SandboxServer
from etsysync_cli.sandbox.render import render_listing
from tests.conformance.oas_check import Exchange, Violation, check, report
from tests.conformance.oas_spec import OAS_FILE, EtsyOas

API = "/v3/application"
FORM = "application/x-www-form-urlencoded"
SHOP = f"{API}/shops/{SELLER_SHOP_ID}"


def exchange(
    method: str,
    path: str,
    *,
    query: dict[str, str | list[str]] | None = None,
    form: dict[str, str] | list[tuple[str, str]] | None = None,
    json_body: Any = None,
    status: int = 200,
    answer: Any = None,
    raw_answer: bytes | None = None,
    bearer: bool = True,
    api_key_shaped: bool = True,
) -> Exchange:
    content_type, body = "", b""
    if form is not None:
        content_type, body = FORM, urlencode(form).encode()
    if json_body is not None:
        content_type, body = "application/json", json.dumps(json_body).encode()
    if raw_answer is None:
        raw_answer = b"" if answer is None else json.dumps(answer).encode()
    return Exchange(
        method=method,
        path=API + path,
        query={k: v if isinstance(v, list) else [v] for k, v in (query or {}).items()},
        content_type=content_type,
        body=body,
        status=status,
        response_content_type="application/json" if raw_answer else "",
        response_body=raw_answer,
        api_key_shaped=api_key_shaped,
        bearer=bearer,
    )


@pytest.fixture(scope="module")
def listing() -> dict[str, Any]:
    """A listing as the sandbox renders it for getListing (no HTTP needed)."""
    server = SandboxServer(SandboxConfig(port=0))
    created = server.create_listing_direct(tags=["mug", "Father's Day"], images=1)
    with server.state.lock:
        record = server.state.listings[created["listing_id"]]
        return render_listing(
            server.state, record, base_url="http://127.0.0.1", includes=frozenset({"Images"})
        )


def problems(oas: EtsyOas, ex: Exchange, **kwargs: Any) -> list[str]:
    return [f"{v.side} {v.where}: {v.problem}" for v in check(oas, ex, **kwargs)]


def only(oas: EtsyOas, ex: Exchange, needle: str) -> str:
    """The one problem found, which must mention `needle`."""
    found = problems(oas, ex)
    assert len(found) == 1 and needle in found[0], found
    return found[0]


def create_form(**changes: str) -> dict[str, str]:
    form = {
        "quantity": "2",
        "title": "Mug",
        "description": "A mug.",
        "price": "12.50",
        "who_made": "i_did",
        "when_made": "made_to_order",
        "is_supply": "false",
        "taxonomy_id": "1073",
        "tags": "mug,cup",
    }
    return {**form, **changes}


def test_the_document_is_shared_s_copy() -> None:
    shared = Path(__file__).parents[3] / "shared" / "etsy-oas.json"
    if not shared.exists():
        pytest.skip("no shared/ beside this checkout")
    assert OAS_FILE.read_bytes() == shared.read_bytes(), "copy shared/etsy-oas.json over it"


# --- it passes what is right ----------------------------------------------------------------


def test_a_valid_exchange_has_no_problems(oas, listing) -> None:
    listing_id = listing["listing_id"]
    assert problems(oas, exchange("GET", f"/listings/{listing_id}", answer=listing)) == []
    assert (
        problems(
            oas,
            exchange(
                "POST",
                f"{SHOP[len(API) :]}/listings",
                form=create_form(),
                status=201,
                answer={k: v for k, v in listing.items() if k != "images"},
            ),
        )
        == []
    )


# --- requests it refuses --------------------------------------------------------------------


def test_a_request_no_operation_matches(oas) -> None:
    only(oas, exchange("POST", "/listings/12", status=404, answer={"error": "x"}), "no POST")


def test_an_undeclared_query_parameter_and_a_wrong_enum(oas, listing) -> None:
    ex = exchange("GET", "/listings/12", query={"include": "Images"}, answer=listing)
    only(oas, ex, "query `include`: not a parameter")
    ex = exchange("GET", "/listings/12", query={"includes": "Images,Bogus"}, answer=listing)
    only(oas, ex, "'Bogus' is not one of")


def test_a_repeated_query_key_and_a_wrong_type_in_a_comma_list(oas) -> None:
    answer = {"count": 0, "results": []}
    ex = exchange("GET", "/listings/batch", query={"listing_ids": ["1", "2"]}, answer=answer)
    only(oas, ex, "sent 2 times")
    ex = exchange("GET", "/listings/batch", query={"listing_ids": "1,x"}, answer=answer)
    only(oas, ex, "'x' is not of type 'integer'")


def test_a_missing_required_query_parameter(oas) -> None:
    ex = exchange("GET", "/listings/batch", answer={"count": 0, "results": []})
    only(oas, ex, "query `listing_ids`: required")


def test_a_path_parameter_of_the_wrong_type(oas, listing) -> None:
    only(oas, exchange("GET", "/listings/abc", answer=listing), "path parameter `listing_id`")


def test_the_legacy_parameter_etsy_removed(oas, listing) -> None:
    # etsy-api.md §9.8 and §8.9: still in the document, removed by Etsy on 2026-07-27.
    ex = exchange(
        "GET",
        "/listings/batch",
        query={"listing_ids": "1", "legacy": "true"},
        answer={"count": 0, "results": []},
    )
    only(oas, ex, "removed by Etsy on 2026-07-27")


def test_form_fields_wrong_type_undeclared_missing_repeated_retired(oas, listing) -> None:
    answer = {k: v for k, v in listing.items() if k != "images"}
    path = f"{SHOP[len(API) :]}/listings"

    def create(form: Any) -> list[str]:
        return problems(oas, exchange("POST", path, form=form, status=201, answer=answer))

    assert create(create_form(quantity="two")) == [
        "request form field `quantity`: 'two' is not of type 'integer'"
    ]
    assert create(create_form(is_supply="yes")) == [
        "request form field `is_supply`: 'yes' is not of type 'boolean'"
    ]
    assert create(create_form(who_made="me")) == [
        "request form field `who_made`: 'me' is not one of ['i_did', 'someone_else', 'collective']"
    ]
    assert create(create_form(colour="red")) == [
        "request form: not declared by the document: colour"
    ]
    without_price = {k: v for k, v in create_form().items() if k != "price"}
    assert create(without_price) == ["request form: 'price' is a required property"]
    assert create([*create_form().items(), ("tags", "bowl")]) == [
        "request form field `tags`: sent 2 times; Etsy keeps one"
    ]
    assert create(create_form(processing_min="1")) == [
        "request form field `processing_min`: retired by Etsy (etsy-api.md §5)"
    ]
    assert create(create_form(production_partner_ids="1,abc")) == [
        "request form field `production_partner_ids`: 'abc' is not of type 'integer'"
    ]


def test_a_json_body_with_an_undeclared_field_and_a_wrong_content_type(oas) -> None:
    offering = {"price": 12.5, "quantity": 1, "is_enabled": True, "readiness_state_id": None}
    product = {"sku": "A", "property_values": [], "offerings": [offering]}
    answer = {
        "products": [],
        "price_on_property": [],
        "quantity_on_property": [],
        "sku_on_property": [],
        "readiness_state_on_property": [],
    }
    ok = exchange("PUT", "/listings/1/inventory", json_body={"products": [product]}, answer=answer)
    assert problems(oas, ok) == []
    bad = {"products": [{**product, "product_id": 9}]}
    ex = exchange("PUT", "/listings/1/inventory", json_body=bad, answer=answer)
    only(oas, ex, "body $.products[0]: not declared by the document: product_id")
    ex = exchange("PUT", "/listings/1/inventory", form={"products": "[]"}, answer=answer)
    only(oas, ex, "content type: application/x-www-form-urlencoded; expected application/json")


def test_a_missing_key_or_bearer(oas) -> None:
    me = {"user_id": 1, "shop_id": 2}
    only(
        oas,
        exchange("GET", "/users/me", answer=me, bearer=False),
        "no bearer token (needs shops_r)",
    )
    only(oas, exchange("GET", "/users/me", answer=me, api_key_shaped=False), "x-api-key")


# --- responses it refuses -------------------------------------------------------------------


def test_a_response_field_of_the_wrong_type_undeclared_or_missing(oas, listing) -> None:
    path = f"/listings/{listing['listing_id']}"
    only(oas, exchange("GET", path, answer={**listing, "quantity": "2"}), "$.quantity")
    only(
        oas,
        exchange("GET", path, answer={**listing, "colour": "red"}),
        "declared by the document: colour",
    )
    price = {**listing["price"], "cents": 1}
    only(oas, exchange("GET", path, answer={**listing, "price": price}), "$.price")
    # etsy-api.md §9.7: no field is marked required, yet Etsy sends them all.
    without = {k: v for k, v in listing.items() if k != "when_made"}
    only(oas, exchange("GET", path, answer=without), "'when_made' is a required property")
    image = {k: v for k, v in listing["images"][0].items() if k != "rank"}
    only(oas, exchange("GET", path, answer={**listing, "images": [image]}), "$.images[0]")


def test_a_status_not_listed_a_body_on_204_and_a_body_that_is_not_json(oas) -> None:
    only(oas, exchange("GET", "/users/me", status=409, answer={"error": "x"}), "409 is not listed")
    only(oas, exchange("DELETE", "/listings/1", status=204, answer={"ok": 1}), "declares no body")
    ex = exchange("GET", "/users/me", raw_answer=b"<html>")
    only(oas, ex, "not JSON")
    only(
        oas,
        exchange("GET", "/users/me", status=404, answer={}),
        "'error' is a required",
    )


def test_an_include_asked_for_but_not_sent(oas, listing) -> None:
    without = {k: v for k, v in listing.items() if k != "images"}
    ex = exchange(
        "GET", f"/listings/{listing['listing_id']}", query={"includes": "Images"}, answer=without
    )
    only(oas, ex, "includes=Images asked, but no `images`")


def test_the_report_names_each_exchange_once_and_every_problem() -> None:
    me = "GET /v3/application/users/me -> 200 [getMe]"
    items = [
        Violation(f"#3 {me}", "response", "body $.results[0]", "a", "getMe"),
        Violation(f"#3 {me}", "response", "body $.x", "b", "getMe"),
        Violation(f"#5 {me}", "response", "body $.results[1]", "a", "getMe"),
    ]
    assert report(items).splitlines() == [
        "3 violation(s) of etsy-oas.json (with etsy-api.md §9/§10 applied), 2 distinct:",
        "  2x getMe: response body $.results[*]: a (first #3)",
        "  1x getMe: response body $.x: b (first #3)",
        "Every exchange:",
        f"#3 {me}",
        "    response body $.results[0]: a",
        "    response body $.x: b",
        f"#5 {me}",
        "    response body $.results[1]: a",
    ]


# --- what Etsy does that its document does not say ------------------------------------------


def test_nulls_the_document_documents_badly_are_accepted(oas, listing) -> None:
    path = f"/listings/{listing['listing_id']}"
    # §9.2: nullable beside a one-item oneOf (the includes associations, converted_price).
    nulls = {**listing, "converted_price": None, "inventory": None}
    assert problems(oas, exchange("GET", path, answer=nulls)) == []
    # §9.3: nullable enums that do not list null.
    assert problems(oas, exchange("GET", path, answer={**listing, "who_made": None})) == []


def test_arrays_are_one_comma_separated_value(oas) -> None:
    # §9.4: listing_ids=1,2 and tags=a,b.
    answer = {"count": 0, "results": []}
    assert (
        problems(
            oas, exchange("GET", "/listings/batch", query={"listing_ids": "1,2"}, answer=answer)
        )
        == []
    )


def test_json_bodies_on_listing_writes(oas, listing) -> None:
    # §9.5: createDraftListing and updateListing document forms, yet take JSON.
    answer = {k: v for k, v in listing.items() if k != "images"}
    body = {
        "quantity": 2,
        "title": "Mug",
        "description": "A mug.",
        "price": 12.5,
        "who_made": "i_did",
        "when_made": "made_to_order",
        "taxonomy_id": 1073,
    }
    ex = exchange("POST", f"{SHOP[len(API) :]}/listings", json_body=body, status=201, answer=answer)
    assert problems(oas, ex) == []
    ex = exchange(
        "POST",
        f"{SHOP[len(API) :]}/listings",
        json_body={**body, "price": "12.50"},
        status=201,
        answer=answer,
    )
    only(oas, ex, "'12.50' is not of type 'number'")


@pytest.mark.parametrize("status", [401, 403, 429])
def test_errors_etsy_sends_from_every_operation(oas, status) -> None:
    # §9.6: no operation lists 429 and most list neither 401 nor 403.
    ex = exchange("GET", "/seller-taxonomy/nodes", status=status, answer={"error": "x"})
    assert problems(oas, ex) == []


def test_a_400_for_a_bad_key_from_any_operation(oas) -> None:
    # §10.4 (open-api#498): 400 {"error": "Invalid API key"}; taxonomy lists no 400.
    ex = exchange("GET", "/seller-taxonomy/nodes", status=400, answer={"error": "Invalid API key"})
    assert problems(oas, ex) == []


def test_oauth_style_error_bodies(oas) -> None:
    # §4: 401 {"error": "invalid_token", "error_description": "access token is expired"}.
    answer = {"error": "invalid_token", "error_description": "access token is expired"}
    assert problems(oas, exchange("GET", "/users/me", status=401, answer=answer)) == []


def test_escaped_text_and_numbers_in_old_records(oas, listing) -> None:
    # §10.1: Etsy HTML-escapes title and tags; §10.2: listing_type 0 on old records (#276).
    assert "Father&#39;s Day" in listing["tags"]
    odd = {**listing, "title": "Father&#39;s Day mug", "listing_type": 0}
    assert problems(oas, exchange("GET", f"/listings/{listing['listing_id']}", answer=odd)) == []


def test_readiness_state_and_cleared_units_on_update_listing(oas, listing) -> None:
    # §10.7 (ELA): updateListing takes readiness_state_id; §5: units also accept "".
    answer = {k: v for k, v in listing.items() if k != "images"}
    path = f"{SHOP[len(API) :]}/listings/{listing['listing_id']}"
    form = {"readiness_state_id": "1234", "item_weight_unit": "", "item_dimensions_unit": ""}
    assert problems(oas, exchange("PATCH", path, form=form, answer=answer)) == []


def test_get_listing_with_inventory(oas, listing) -> None:
    # §10.8: getListing takes includes=Inventory (the third-variation tutorial); the batch
    # call documents no Inventory include, so there it stays a violation.
    inventory = {
        "products": [],
        "price_on_property": [],
        "quantity_on_property": [],
        "sku_on_property": [],
        "readiness_state_on_property": [],
    }
    with_inventory = {**listing, "inventory": inventory}
    path = f"/listings/{listing['listing_id']}"
    ex = exchange("GET", path, query={"includes": "Images,Inventory"}, answer=with_inventory)
    assert problems(oas, ex) == []
    batch = exchange(
        "GET",
        "/listings/batch",
        query={"listing_ids": "1", "includes": "Inventory"},
        answer={"count": 0, "results": []},
    )
    only(oas, batch, "'Inventory' is not one of")


def test_a_404_for_get_on_a_write_only_path(oas) -> None:
    # §10.9 (ELA): GET /shops/{shop_id}/listings/{listing_id} answers 404 "Resource not found";
    # the answer is Etsy's, the request is still not an operation.
    ex = exchange(
        "GET", f"{SHOP[len(API) :]}/listings/1", status=404, answer={"error": "Resource not found"}
    )
    assert problems(oas, ex, request=False) == []
    only(oas, ex, "this path has only PATCH")


def test_multipart_upload_fields(oas, listing) -> None:
    image = {**listing["images"][0]}
    path = f"{SHOP}/listings/{listing['listing_id']}/images"

    def upload(data: dict[str, str]) -> list[str]:
        request = httpx.Request(
            "POST", "http://127.0.0.1" + path, data=data, files={"image": ("a.png", b"\x89PNG")}
        )
        ex = exchange("POST", path[len(API) :], status=201, answer=image)
        sent = dataclasses.replace(
            ex, content_type=request.headers["content-type"], body=request.read()
        )
        return problems(oas, sent)

    assert upload({"rank": "1", "alt_text": "A mug"}) == []
    assert upload({"rank": "first", "colour": "red"}) == [
        "request form field `rank`: 'first' is not of type 'integer'",
        "request form: not declared by the document: colour",
    ]


def test_an_unknown_path_may_answer_key_and_rate_errors_but_not_405(oas) -> None:
    # §2/§3: the key and the limits apply to every request; §10.9: a 404, "not 405".
    for status in (403, 404, 429):
        ex = exchange("GET", "/no-such-thing", status=status, answer={"error": "x"})
        assert problems(oas, ex, request=False) == []
    ex = exchange("POST", "/users/me", status=405, answer={"error": "Method not allowed"})
    assert problems(oas, ex, request=False) == [
        "response status: 405 for a path the document does not serve"
    ]


def test_the_inventory_listing_association_may_be_null(oas) -> None:
    inventory = {
        "products": [],
        "price_on_property": [],
        "quantity_on_property": [],
        "sku_on_property": [],
        "readiness_state_on_property": [],
        "listing": None,
    }
    assert problems(oas, exchange("GET", "/listings/1/inventory", answer=inventory)) == []
    del inventory["listing"]
    only(oas, exchange("GET", "/listings/1/inventory", answer=inventory), "'listing' is a required")
