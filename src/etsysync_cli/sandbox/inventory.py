"""Listing inventory: GET, and PUT as a full replacement with Etsy's consistency rules."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from etsysync_cli.sandbox import seller, taxonomy
from etsysync_cli.sandbox.access import owned_listing, path_int
from etsysync_cli.sandbox.render import render_inventory, render_listing
from etsysync_cli.sandbox.rules import (
    MAX_QUANTITY,
    check_enum,
    check_quantity,
    missing,
    price_to_minor,
    problem,
    to_bool,
)
from etsysync_cli.sandbox.state import (
    Inventory,
    Listing,
    Offering,
    Product,
    SandboxState,
    VariationValue,
)
from etsysync_cli.sandbox.wire import Request, Response, bad_request, json_response

MAX_VALUES_PER_PROPERTY = 70
MAX_SKU = 32  # (U) Etsy's SKU limit is not in the spec; 32 is what Etsy's listing editor allows
_ON_PROPERTY = {
    "price_on_property": "price",
    "quantity_on_property": "quantity",
    "sku_on_property": "sku",
    "readiness_state_on_property": "processing profile",
}


def get_listing_inventory(state: SandboxState, req: Request) -> Response:
    listing = owned_listing(state, req, path_int(req, "listing_id"))
    show_deleted = to_bool("show_deleted", req.arg("show_deleted") or "false")
    include = req.arg("includes")
    with_listing = bool(include) and check_enum(include or "", ("Listing",)) == "Listing"
    body = render_inventory(state, listing, show_deleted=show_deleted)
    # Etsy always sends the association key, null unless asked for (open-api#134).
    body["listing"] = (
        render_listing(state, listing, base_url=req.base_url) if with_listing else None
    )
    return json_response(200, body)


@dataclass
class _Parsed:
    sku: str
    price: int
    quantity: int
    is_enabled: bool
    readiness_state_id: int | None
    values: list[VariationValue]

    def key(self, property_ids: list[int]) -> tuple[str, ...]:
        by_id = {v.property_id: v.values[0].lower() for v in self.values}
        return tuple(by_id[p] for p in property_ids)


def update_listing_inventory(state: SandboxState, req: Request) -> Response:
    listing = owned_listing(state, req, path_int(req, "listing_id"))
    if req.content_type != "application/json":
        raise bad_request("updateListingInventory expects an application/json body.")
    body = req.json()
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    max_variations = int(check_enum(req.arg("max_variations_supported") or "2", ("2", "3")))
    if len(seller.variation_ids(listing)) == 3 and max_variations != 3:
        # etsy-api.md §10.14 (third-variation tutorial, "Parameter Conditionals"): a listing
        # that has three variations refuses any write without the parameter, whatever the
        # payload. (U) Etsy's exact text: the tutorial says only "listing has original
        # variations".
        raise bad_request(
            "This listing has original variations: it has 3 variations, so its inventory "
            "can only be written with max_variations_supported=3."
        )
    raw_products = body.get("products")
    if raw_products is None:
        raise missing(["products"])
    if not isinstance(raw_products, list):
        raise problem("products", "must be an array")
    if not raw_products:
        raise problem("products", "cannot be less than 1 items")
    parsed = [_product(state, listing, p, i) for i, p in enumerate(raw_products)]
    property_ids = _check_variations(listing, parsed, max_variations)
    on_property = {name: _on_property(body, name, property_ids) for name in _ON_PROPERTY}
    _check_consistency(parsed, on_property)
    if sum(p.quantity for p in parsed if p.is_enabled) > MAX_QUANTITY:
        # etsy-api.md §6: the listing total (the sum of its offerings) is at most 999.
        raise problem("quantity", f"cannot be greater than {MAX_QUANTITY}")
    if not any(p.quantity > 0 for p in parsed):
        # etsy-api.md §10.15: Etsy's wording for an all-zero inventory (open-api#395). The
        # rule is about quantity only: the workaround Etsy staff confirmed (#395, cited in
        # #473) is a disabled offering with quantity 1, which Etsy accepts.
        raise bad_request("One offering must have quantity greater than 0")

    old = listing.inventory
    for product in old.products:
        product.is_deleted = True
        for offering in product.offerings:
            offering.is_deleted = True
    listing.inventory = Inventory(
        products=[
            Product(
                product_id=state.next_id("product"),
                sku=p.sku,
                offerings=[
                    Offering(
                        state.next_id("offering"),
                        p.price,
                        p.quantity,
                        p.is_enabled,
                        p.readiness_state_id,
                    )
                ],
                property_values=p.values,
            )
            for p in parsed
        ],
        deleted_products=old.products,  # full replacement: what was left out is gone
        **on_property,
    )
    if state.fill_variation_grids:
        seller.fill_grid(state, listing)  # etsy-api.md §10.3: Etsy's filler offerings
    readiness = {p.readiness_state_id for p in parsed if p.is_enabled}
    if len(readiness) == 1 and None not in readiness:
        listing.readiness_state_id = readiness.pop()
    listing.updated_timestamp = int(state.now())
    state.bump("inventory_updates")
    state.save()
    return json_response(200, render_inventory(state, listing))


def _product(state: SandboxState, listing: Listing, raw: Any, i: int) -> _Parsed:
    path = f"products/{i}"
    if not isinstance(raw, dict):
        raise problem(path, "must be an object")
    if "property_values" not in raw or raw["property_values"] is None:
        # The text Etsy answers when property_values is left out (open-api#134).
        raise bad_request("Property values can't be empty")
    offerings = raw.get("offerings")
    if not isinstance(offerings, list) or not offerings:
        raise problem(f"{path}/offerings", "must be an array with one offering")
    if len(offerings) != 1:
        # (U) The spec allows a list, but every Etsy product carries exactly one offering.
        raise problem(f"{path}/offerings", "must contain exactly one offering")
    offering = offerings[0]
    if not isinstance(offering, dict):
        raise problem(f"{path}/offerings/0", "must be an object")
    sku: Any = raw.get("sku") or ""
    if not isinstance(sku, str):
        raise bad_request(f"Expected string value for 'sku' (got {sku!r}).")
    if len(sku) > MAX_SKU:
        raise problem(f"{path}/sku", f"must be at most {MAX_SKU} characters")
    currency = str(state.seed.shops[listing.shop_id]["currency_code"])
    opath = f"{path}/offerings/0"
    for name in ("price", "quantity", "is_enabled"):
        if offering.get(name) is None:
            kind = {"price": "float", "quantity": "int", "is_enabled": "boolean"}[name]
            raise bad_request(f"Expected {kind} value for '{name}' (got NULL).")
    if "readiness_state_id" not in offering:
        # Required by the spec's schema (null allowed), since processing profiles.
        raise problem(f"{opath}/readiness_state_id", "is required (null is allowed)")
    price = price_to_minor(_decimal(offering["price"]), currency, f"{opath}/price")
    quantity_raw = offering["quantity"]
    if isinstance(quantity_raw, bool) or not isinstance(quantity_raw, int):
        raise bad_request(f"Expected int value for 'quantity' (got {quantity_raw!r}).")
    quantity = check_quantity(quantity_raw, path=f"{opath}/quantity", minimum=0)
    is_enabled = to_bool("is_enabled", offering["is_enabled"])
    readiness = offering["readiness_state_id"]
    if readiness is not None:
        if isinstance(readiness, bool) or not isinstance(readiness, int):
            raise bad_request(f"Expected int value for 'readiness_state_id' (got {readiness!r}).")
        if state.seed.processing_profile(listing.shop_id, readiness) is None:
            raise problem(
                f"{opath}/readiness_state_id", f"processing profile {readiness} does not exist"
            )
    raw_values = raw["property_values"]
    if not isinstance(raw_values, list):
        raise problem(f"{path}/property_values", "must be an array")
    values = [
        _value(state, listing, v, f"{path}/property_values/{k}") for k, v in enumerate(raw_values)
    ]
    ids = [v.property_id for v in values]
    if len(set(ids)) != len(ids):
        raise problem(f"{path}/property_values", "must not repeat a property")
    return _Parsed(sku, price, quantity, is_enabled, readiness, values)


def _decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise bad_request(f"Expected float value for 'price' (got {raw!r}).")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise bad_request(f"Expected float value for 'price' (got '{raw}').") from None
    if not value.is_finite():
        raise bad_request(f"Expected float value for 'price' (got '{raw}').")
    return value


def _value(state: SandboxState, listing: Listing, raw: Any, path: str) -> VariationValue:
    if not isinstance(raw, dict):
        raise problem(path, "must be an object")
    for name in ("property_id", "value_ids", "values"):
        if name not in raw:
            raise problem(f"{path}/{name}", "is required")
    property_id = raw["property_id"]
    if isinstance(property_id, bool) or not isinstance(property_id, int):
        raise bad_request(f"Expected int value for 'property_id' (got {property_id!r}).")
    values = raw["values"]
    value_ids = raw["value_ids"]
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise problem(f"{path}/values", "must be an array of non-empty strings")
    if not isinstance(value_ids, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value_ids
    ):
        raise problem(f"{path}/value_ids", "must be an array of integers")
    if len(values) != 1:
        raise problem(f"{path}/values", "must hold exactly one value per product")
    value = values[0].strip()
    if "(" in value or ")" in value:
        raise problem(f"{path}/values", "parenthesis characters ( and ) are not allowed")
    given_name = raw.get("property_name")
    scale_id = raw.get("scale_id")
    if property_id in taxonomy.CUSTOM_PROPERTY_IDS:
        # Custom variations: any value text; Etsy assigns the value id.
        label = given_name.strip() if isinstance(given_name, str) and given_name.strip() else None
        vid = state.custom_value_id(property_id, value)
        return VariationValue(property_id, label, None, None, [vid], [value])
    tid = listing.taxonomy_id or 0
    prop = taxonomy.property_for(tid, property_id)
    if prop is None or not prop.supports_variations:
        raise problem(
            f"{path}/property_id",
            f"property {property_id} is not a variation property of taxonomy {tid}",
        )
    scale = None
    if scale_id is not None:
        scale = prop.scale(scale_id) if isinstance(scale_id, int) else None
        if scale is None:
            raise problem(f"{path}/scale_id", f"scale {scale_id} is not valid for {prop.name}")
    known = prop.value_by_id(value_ids[0]) if value_ids else prop.value_by_name(value, scale_id)
    if known is None or (scale is not None and known.scale_id not in (None, scale.scale_id)):
        raise problem(f"{path}/values", f"'{value}' is not a valid value for {prop.name}")
    if known.scale_id is not None:
        scale = prop.scale(known.scale_id)
    return VariationValue(
        property_id,
        prop.name,
        scale.scale_id if scale else None,
        scale.display_name if scale else None,
        [known.value_id],
        [known.name],
    )


def _check_variations(listing: Listing, parsed: list[_Parsed], max_variations: int) -> list[int]:
    """Same properties, in the same order, on every product; unique combinations; limits."""
    property_ids = [v.property_id for v in parsed[0].values]
    if len(parsed) > 1 and any(not p.values for p in parsed):
        # Several products only make sense as variations, so each needs its values.
        raise bad_request("Property values can't be empty")
    for product in parsed[1:]:
        if [v.property_id for v in product.values] != property_ids:
            raise bad_request("All products must have the same properties, in the same order.")
    if len(property_ids) > max_variations:
        hint = "" if max_variations == 3 else " (a third needs max_variations_supported=3)"
        raise bad_request(f"A listing can have at most {max_variations} variations{hint}.")
    if len(property_ids) == 3:
        third = property_ids[2]
        if third in taxonomy.CUSTOM_PROPERTY_IDS:
            raise bad_request(
                "A third variation must be a property of the listing's taxonomy, not 513 or 514."
            )
    seen: set[tuple[str, ...]] = set()
    for product in parsed:
        key = product.key(property_ids)
        if key in seen:
            raise bad_request(
                f"Products must have unique property values; {', '.join(key)} appears twice."
            )
        seen.add(key)
    for index, property_id in enumerate(property_ids):
        distinct = {p.key(property_ids)[index] for p in parsed}
        if len(distinct) > MAX_VALUES_PER_PROPERTY:
            raise bad_request(
                f"Property {property_id} has {len(distinct)} values; "
                f"at most {MAX_VALUES_PER_PROPERTY} are allowed."
            )
    return property_ids


def _on_property(body: dict[str, Any], name: str, property_ids: list[int]) -> list[int]:
    raw = body.get(name)
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(
        isinstance(x, int) and not isinstance(x, bool) for x in raw
    ):
        raise problem(name, "must be an array of property ids")
    for property_id in raw:
        if property_id not in property_ids:
            raise bad_request(f"{name}: property {property_id} is not a property of the products")
    if len(set(raw)) != len(raw):
        raise problem(name, "must not repeat a property id")
    if len(raw) not in (0, 1, len(property_ids)):
        raise bad_request(f"{name} must hold zero, one or all of the variation property ids.")
    if len(raw) > 1 and raw != property_ids:
        raise bad_request(f"{name}: property IDs must be in the same order as in products")
    return list(raw)


def _check_consistency(parsed: list[_Parsed], on_property: dict[str, list[int]]) -> None:
    """A value may differ between products only along the properties named for it."""
    for name, label in _ON_PROPERTY.items():
        along = on_property[name]
        groups: dict[tuple[str, ...], object] = {}
        for product in parsed:
            attribute: object = {
                "price_on_property": product.price,
                "quantity_on_property": product.quantity,
                "sku_on_property": product.sku,
                "readiness_state_on_property": product.readiness_state_id,
            }[name]
            key = product.key(along) if along else ()
            if key in groups and groups[key] != attribute:
                raise bad_request(
                    f"Products have different {label}s, but {name} does not list the property "
                    f"they vary by."
                )
            groups.setdefault(key, attribute)
