"""Etsy's OpenAPI document as a checker reads it: operations found by method and path, and
schemas compiled once, with the document's known quirks corrected where Etsy's real behaviour
is on record (etsy-api.md §9 and §10).

The document is `tests/fixtures/etsy-oas.json`, byte for byte the `etsy-oas.json` of shared/
(test_oas_validator checks that the two have not drifted apart when shared/ is beside the repo).
Schema validation is openapi-schema-validator's OAS 3.0 validator (nullable, oneOf, $ref and
OAS formats as the 3.0 spec defines them); only the corrections below are ours.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator, oas30_format_checker

OAS_FILE = Path(__file__).parents[1] / "fixtures" / "etsy-oas.json"
API_PREFIX = "/v3/application"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")

Schema = dict[str, Any]


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case
    template: str  # as in the document: /v3/application/listings/{listing_id}
    pattern: re.Pattern[str]
    literal_chars: int  # a path with more literal text wins: /listings/batch over /{listing_id}
    parameters: dict[tuple[str, str], dict[str, Any]]  # (in, name) -> parameter object
    request_body: dict[str, Any] | None
    responses: dict[str, Any]
    scopes: frozenset[str] | None  # OAuth scopes the operation needs; None: x-api-key only


class EtsyOas:
    """The corrected document, its operations, and a cache of compiled validators."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = correct(copy.deepcopy(document))
        self.operations = list(_operations(self.document))
        self._validators: dict[int, OAS30Validator] = {}

    def match(self, method: str, path: str) -> Operation | None:
        """The operation for `method` and `path`, preferring literal segments over parameters."""
        found = [op for op in self.at_path(path) if op.method == method.upper()]
        return max(found, key=lambda op: op.literal_chars) if found else None

    def at_path(self, path: str) -> list[Operation]:
        return [op for op in self.operations if op.pattern.fullmatch(path)]

    def validator(self, schema: Schema) -> OAS30Validator:
        """A validator for one schema of this document (its $refs resolve against the document).

        Compiled once per schema object: a session checks thousands of exchanges.
        """
        key = id(schema)
        if key not in self._validators:
            rooted = {**schema, "components": self.document["components"]}
            if "$ref" in schema:  # a $ref ignores its siblings, so wrap it
                rooted = {"allOf": [schema], "components": self.document["components"]}
            self._validators[key] = OAS30Validator(rooted, format_checker=oas30_format_checker)
        return self._validators[key]

    def resolve(self, schema: Schema) -> Schema:
        """Follow a local $ref (and a one-item oneOf around one) to the schema it names."""
        while True:
            if "$ref" in schema:
                name = schema["$ref"].removeprefix("#/components/schemas/")
                schema = self.document["components"]["schemas"][name]
            elif len(schema.get("oneOf", ())) == 1 and "type" not in schema:
                schema = schema["oneOf"][0]
            else:
                return schema


@cache
def load() -> EtsyOas:
    """The document, read and corrected once per test session."""
    return EtsyOas(json.loads(OAS_FILE.read_text()))


def _operations(document: dict[str, Any]) -> Iterator[Operation]:
    for template, item in document["paths"].items():
        shared = item.get("parameters", [])
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        literal = len(re.sub(r"\{\w+\}", "", template))
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            params = {(p["in"], p["name"]): p for p in (*shared, *op.get("parameters", []))}
            scopes: frozenset[str] | None = None
            for requirement in op.get("security", document.get("security", [])):
                if "oauth2" in requirement:
                    scopes = frozenset(requirement["oauth2"])
            yield Operation(
                operation_id=op["operationId"],
                method=method.upper(),
                template=template,
                pattern=re.compile(regex),
                literal_chars=literal,
                parameters=params,
                request_body=op.get("requestBody"),
                responses=op["responses"],
                scopes=scopes,
            )


# --- corrections --------------------------------------------------------------------------------


def correct(document: dict[str, Any]) -> dict[str, Any]:
    """Apply the corrections, each where etsy-api.md says the document and Etsy part ways."""
    _every_field_present(document)
    for schema in _schemas(document):
        _null_beside_one_of(schema)
        _null_in_nullable_enum(schema)
        _no_undeclared_fields(schema)
        _numbers_in_old_records(schema)
    _oauth_style_errors(document)
    _inventory_listing_null(document)
    _get_listing_includes_inventory(document)
    _update_listing_readiness_state(document)
    _update_listing_clears_units(document)
    _legacy_parameter_removed(document)
    return document


def _null_beside_one_of(schema: Schema) -> None:
    # etsy-api.md §9.2: 32 places put `nullable: true` beside a one-item oneOf with no `type`;
    # OAS 3.0 gives nullable no meaning without a type, yet Etsy does send null there.
    if schema.get("nullable") is True and "type" not in schema and "oneOf" in schema:
        rest = {k: v for k, v in schema.items() if k not in ("nullable", "description")}
        for key in rest:
            del schema[key]
        schema["anyOf"] = [{"enum": [None]}, rest]


def _null_in_nullable_enum(schema: Schema) -> None:
    # etsy-api.md §9.3: 13 enums are nullable but do not list null (who_made, when_made, the
    # unit fields, type); JSON Schema's enum would refuse the null that nullable allows.
    if schema.get("nullable") is True and "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]


def _no_undeclared_fields(schema: Schema) -> None:
    # etsy-api.md §9.7: the response schemas mark no field as required, so types alone cannot
    # tell a made-up object from Etsy's: compare field lists. A field the document does not
    # declare is a violation, in requests and responses alike (the document has no
    # additionalProperties anywhere, so this changes no declared meaning).
    if schema.get("type") == "object" and "properties" in schema:
        schema.setdefault("additionalProperties", False)


# What `includes=X` attaches to a listing (ShopListingWithAssociations); without the include the
# field is absent, so these are never required.
ASSOCIATIONS = {
    "Images": "images",
    "Shop": "shop",
    "User": "user",
    "Translations": "translations",
    "Videos": "videos",
    "Inventory": "inventory",
    "Personalization": "personalization",
    "BuyerPrice": "buyer_price",
    "Shipping": "shipping_profile",
}


def _every_field_present(document: dict[str, Any]) -> None:
    # etsy-api.md §9.7: no response schema marks a field required, yet Etsy sends every field
    # of its objects (null when empty): an object missing a declared field is not Etsy's. The
    # request bodies are inline schemas, so requiring fields of the named schemas touches only
    # responses. ShopListingWithAssociations' own fields come with `includes` (checked per
    # request in oas_check) or only for some callers (`skus`, `views`), so they stay optional.
    schemas = document["components"]["schemas"]
    for name, schema in schemas.items():
        optional: set[str] = set()
        if name == "ShopListingWithAssociations":
            optional = set(schema["properties"]) - set(schemas["ShopListing"]["properties"])
        if schema.get("type") == "object" and "properties" in schema:
            schema["required"] = [p for p in schema["properties"] if p not in optional]


# etsy-api.md §10.2: old or odd records carry numbers where the document says strings
# (`listing_type: 0`, `profile_type: 0`, open-api#276).
NUMBERS_ON_RECORD = ("listing_type", "profile_type")


def _numbers_in_old_records(schema: Schema) -> None:
    properties = schema.get("properties", {})
    for name in NUMBERS_ON_RECORD:
        field = properties.get(name)
        if field is not None and field.get("type") == "string":
            properties[name] = {"anyOf": [field, {"type": "integer"}]}


def _oauth_style_errors(document: dict[str, Any]) -> None:
    # etsy-api.md §4: a 401 has come back OAuth-style, {"error": "invalid_token",
    # "error_description": "access token is expired"}; ErrorSchema declares only `error`.
    error = document["components"]["schemas"]["ErrorSchema"]
    error["properties"]["error_description"] = {"type": "string"}


def _inventory_listing_null(document: dict[str, Any]) -> None:
    # getListingInventory's `listing` association: "Default value is null" says the document,
    # without `nullable`; Etsy sends the key as null unless includes=Listing (open-api#134, as
    # sandbox/inventory.py records it). Like §9.2, the documented null is real.
    schemas = document["components"]["schemas"]
    listing = schemas["ListingInventoryWithAssociations"]["properties"]["listing"]
    rest = {k: v for k, v in listing.items() if k != "description"}
    listing.clear()
    listing["anyOf"] = [{"enum": [None]}, rest]


def _operation(document: dict[str, Any], method: str, template: str) -> dict[str, Any]:
    operation: dict[str, Any] = document["paths"][API_PREFIX + template][method]
    return operation


def _form_schema(operation: dict[str, Any]) -> Schema:
    schema: Schema = operation["requestBody"]["content"]["application/x-www-form-urlencoded"][
        "schema"
    ]
    return schema


def _get_listing_includes_inventory(document: dict[str, Any]) -> None:
    # etsy-api.md §10.8: getListing accepts includes=Inventory (Etsy's third-variation tutorial
    # uses it); the document's enum omits it. Only getListing: §10.8 documents no Inventory
    # include for getListingsByListingIds.
    operation = _operation(document, "get", "/listings/{listing_id}")
    for parameter in operation["parameters"]:
        if parameter["name"] == "includes":
            parameter["schema"]["items"]["enum"].append("Inventory")


def _update_listing_readiness_state(document: dict[str, Any]) -> None:
    # etsy-api.md §10.7: updateListing accepts `readiness_state_id` (200, ELA) although its
    # form does not declare it; the field is createDraftListing's.
    create = _form_schema(_operation(document, "post", "/shops/{shop_id}/listings"))
    update = _form_schema(_operation(document, "patch", "/shops/{shop_id}/listings/{listing_id}"))
    update["properties"]["readiness_state_id"] = copy.deepcopy(
        create["properties"]["readiness_state_id"]
    )


def _update_listing_clears_units(document: dict[str, Any]) -> None:
    # etsy-api.md §5 (updateListing): the unit fields "also accept ''", which clears them.
    update = _form_schema(_operation(document, "patch", "/shops/{shop_id}/listings/{listing_id}"))
    for name in ("item_weight_unit", "item_dimensions_unit"):
        update["properties"][name]["enum"].append("")


# etsy-api.md §9.8 and §8.9: the document still lists `legacy`, which Etsy removed on
# 2026-07-27; a client that sends it is wrong, so it is taken out of every operation.
REMOVED_PARAMETERS = frozenset({"legacy"})


def _legacy_parameter_removed(document: dict[str, Any]) -> None:
    for item in document["paths"].values():
        for method in HTTP_METHODS:
            if method in item:
                parameters = item[method].get("parameters", [])
                item[method]["parameters"] = [
                    p for p in parameters if p["name"] not in REMOVED_PARAMETERS
                ]


def _schemas(node: Any) -> Iterator[Schema]:
    """Every schema object in the document (anything with a `type`, `oneOf`, `enum` or
    `properties`), children first so a correction sees corrected children."""
    if isinstance(node, dict):
        for value in list(node.values()):
            yield from _schemas(value)
        if any(k in node for k in ("type", "oneOf", "enum", "properties")) and not isinstance(
            node.get("type"), dict
        ):
            yield node
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)
