"""Listing endpoints: createDraftListing, getListing(s), updateListing, deleteListing."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from etsysync_cli.sandbox import taxonomy
from etsysync_cli.sandbox.access import (
    includes,
    limit_offset,
    owned_listing,
    owned_shop,
    path_int,
    shop_listing,
    visible,
    visible_listing,
)
from etsysync_cli.sandbox.images import set_image_order
from etsysync_cli.sandbox.render import listing_quantity, render_inventory, render_listing
from etsysync_cli.sandbox.rules import (
    DIMENSION_UNITS,
    LISTING_TYPES,
    MAX_IMAGES,
    MAX_MATERIAL_LENGTH,
    MAX_MATERIALS,
    MAX_STYLE_LENGTH,
    MAX_STYLES,
    READ_STATES,
    WEIGHT_UNITS,
    WHO_MADE,
    WRITE_STATES,
    Fields,
    check_enum,
    check_marketplace,
    check_measure,
    check_quantity,
    check_supply_bundle,
    check_tags,
    check_title,
    check_words,
    missing,
    price_to_minor,
    problem,
    when_made_values,
)
from etsysync_cli.sandbox.state import ImageRecord, Listing, Offering, Product, SandboxState
from etsysync_cli.sandbox.wire import Request, Response, bad_request, conflict, json_response

# The `includes` enums. The spec's enum for getListing omits Inventory, but Etsy accepts it
# (its third-variation tutorial uses `includes=Inventory`, etsy-api.md §10.8). (U) for
# getListingsByListingIds: accepted and filled alike, rather than refusing what Etsy may take.
LISTING_INCLUDES: tuple[str, ...] = (
    "Images",
    "Shop",
    "User",
    "Translations",
    "Videos",
    "Personalization",
    "BuyerPrice",
    "Inventory",
)
SHOP_LISTING_INCLUDES = ("Shipping", *LISTING_INCLUDES)
REQUIRED_ON_CREATE = (
    "quantity",
    "title",
    "description",
    "price",
    "who_made",
    "when_made",
    "taxonomy_id",
)
# Listing life: Etsy lists for four months before expiry or renewal.
LISTING_LIFETIME = 120 * 86400
PUBLISH_FEE = 20  # USD 0.20 per publish or renewal, in cents (etsy-api.md §7)
MAX_BATCH = 100


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- create -------------------------------------------------------------------------------------


def create_draft_listing(state: SandboxState, req: Request) -> Response:
    shop = owned_shop(state, req)
    listing = create_from_fields(state, shop, Fields.from_request(req))
    body = render_listing(state, listing, base_url=req.base_url)
    return json_response(201, body)


def create_from_fields(state: SandboxState, shop: dict[str, Any], f: Fields) -> Listing:
    """Validate everything first, then store: a rejected create changes nothing."""
    absent = [n for n in REQUIRED_ON_CREATE if _blank(f.data.get(n))]
    if absent:
        raise missing(absent)
    quantity = check_quantity(_int(f, "quantity"))
    title = check_title(f.str_("title") or "")
    description = f.str_("description") or ""
    price = price_to_minor(f.decimal_("price"), str(shop["currency_code"]))
    who_made = check_enum(f.str_("who_made") or "", WHO_MADE)
    when_made = check_enum(f.str_("when_made") or "", when_made_values())
    check_supply_bundle(f)
    is_supply = f.bool_("is_supply")
    taxonomy_id = _taxonomy(f)
    listing_type = "physical"
    if not _blank(f.data.get("type")):
        listing_type = check_enum(f.str_("type") or "", LISTING_TYPES)
    now = int(state.now())
    listing = Listing(
        listing_id=0,
        user_id=int(shop["user_id"]),
        shop_id=int(shop["shop_id"]),
        title=title,
        description=description,
        state="draft",  # createDraftListing always creates a draft
        created_timestamp=now,
        updated_timestamp=now,
        state_timestamp=now,
        ending_timestamp=now + LISTING_LIFETIME,
        listing_type=listing_type,
        who_made=who_made,
        when_made=when_made,
        is_supply=is_supply,
        taxonomy_id=taxonomy_id,
    )
    _apply_optional(state, listing, f, creating=True)
    if listing.listing_type == "physical" and listing.shipping_profile_id is None:
        raise bad_request("A shipping_profile_id is required for physical listings.")
    _check_marketplace(listing)
    image_ids = f.int_list("image_ids") if f.has("image_ids") else []
    sources = _images_to_copy(state, listing.shop_id, image_ids)

    listing.listing_id = state.next_listing_id(listing.shop_id)
    offering = Offering(
        state.next_id("offering"), price, quantity, True, listing.readiness_state_id
    )
    listing.inventory.products = [Product(state.next_id("product"), "", [offering], [])]
    for source in sources:
        copied = dataclasses.replace(
            source, listing_image_id=state.next_id("image"), listing_id=listing.listing_id
        )
        copied.rank = len(listing.image_ids) + 1  # in the order given, like updateListing's
        state.images[copied.listing_image_id] = copied
        listing.image_ids.append(copied.listing_image_id)
    state.listings[listing.listing_id] = listing
    state.bump("listings_created")
    state.save()
    return listing


def _check_marketplace(listing: Listing) -> None:
    """etsy-api.md §10.6: goods made by someone else need a production partner on the listing."""
    check_marketplace(
        listing.who_made, listing.when_made, listing.is_supply, listing.production_partner_ids
    )


def _int(f: Fields, name: str) -> int:
    value = f.int_(name)
    assert value is not None  # not nullable: int_ raised for anything else
    return value


def _taxonomy(f: Fields) -> int:
    taxonomy_id = _int(f, "taxonomy_id")
    if not taxonomy.exists(taxonomy_id):
        raise problem("taxonomy_id", f"{taxonomy_id} is not a valid seller taxonomy id")
    return taxonomy_id


def _images_to_copy(state: SandboxState, shop_id: int, image_ids: list[int]) -> list[ImageRecord]:
    """image_ids on create: images already uploaded to listings of this shop are copied."""
    if len(image_ids) > MAX_IMAGES:
        raise problem("image_ids", f"cannot be more than {MAX_IMAGES} items")
    found: list[ImageRecord] = []
    for image_id in image_ids:
        image = state.images.get(image_id)
        owner = state.listings.get(image.listing_id) if image else None
        if image is None or owner is None or owner.shop_id != shop_id:
            raise problem("image_ids", f"image {image_id} does not exist in this shop")
        found.append(image)
    return found


def _apply_optional(state: SandboxState, listing: Listing, f: Fields, *, creating: bool) -> None:
    """Optional fields shared by create and update, validated as they are applied."""
    seed = state.seed
    shop_id = listing.shop_id
    if f.has("tags"):
        listing.tags = check_tags(f.str_list("tags"))
    if f.has("materials"):
        items = f.str_list("materials")
        listing.materials = check_words("materials", items, MAX_MATERIALS, MAX_MATERIAL_LENGTH)
    if f.has("styles"):
        items = f.str_list("styles")
        listing.styles = check_words("styles", items, MAX_STYLES, MAX_STYLE_LENGTH)
    if f.has("shipping_profile_id"):
        value = f.int_("shipping_profile_id", nullable=True)
        if value is not None and seed.shipping_profile(shop_id, value) is None:
            raise problem("shipping_profile_id", f"shipping profile {value} does not exist")
        listing.shipping_profile_id = value
    if f.has("return_policy_id"):
        value = f.int_("return_policy_id", nullable=True)
        if value is not None and seed.return_policy(shop_id, value) is None:
            raise problem("return_policy_id", f"return policy {value} does not exist")
        listing.return_policy_id = value
    if f.has("readiness_state_id"):
        # Accepted by updateListing too (200, etsy-api.md §10.7, ELA): it sets the listing's
        # processing profile, so every offering not given its own one through
        # readiness_state_on_property takes it.
        value = f.int_("readiness_state_id", nullable=True)
        if value is not None and seed.processing_profile(shop_id, value) is None:
            raise problem("readiness_state_id", f"processing profile {value} does not exist")
        if not creating and value is None and listing.listing_type == "physical":
            # (U) Etsy's answer to clearing it is not on record; a physical listing needs one.
            raise problem("readiness_state_id", "must not be null on a physical listing")
        listing.readiness_state_id = value
        if not creating and not listing.inventory.readiness_state_on_property:
            for product in listing.inventory.products:
                for offering in product.offerings:
                    offering.readiness_state_id = value
    if f.has("shop_section_id"):
        value = f.int_("shop_section_id", nullable=True)
        if value is not None:  # the seeded shop has no sections
            raise problem("shop_section_id", f"shop section {value} does not exist")
        listing.shop_section_id = None
    for name in ("should_auto_renew", "is_taxable", "is_customizable"):
        if f.has(name):
            setattr(listing, name, f.bool_(name))
    for name in ("item_weight", "item_length", "item_width", "item_height"):
        if f.has(name):
            setattr(listing, name, check_measure(name, f.float_(name)))
    for name, units in (
        ("item_weight_unit", WEIGHT_UNITS),
        ("item_dimensions_unit", DIMENSION_UNITS),
    ):
        if f.has(name):
            raw = f.data[name]
            # updateListing also accepts "" (clears the unit); createDraftListing does not.
            if raw is None or (raw == "" and not creating):
                setattr(listing, name, None)
            else:
                setattr(listing, name, check_enum(f.str_(name) or "", units))
    if f.has("production_partner_ids"):
        # A form array is one comma-separated value (etsy-api.md §9.4); ids must be the shop's.
        partners = list(dict.fromkeys(f.int_list("production_partner_ids")))
        for partner_id in partners:
            if seed.production_partner(shop_id, partner_id) is None:
                raise problem(
                    "production_partner_ids", f"production partner {partner_id} not found"
                )
        listing.production_partner_ids = partners
    if creating:
        # Deprecated by processing profiles but still in the spec: stored, never required.
        for name in ("processing_min", "processing_max"):
            if f.has(name):
                setattr(listing, name, f.int_(name, nullable=True))
    elif f.has("featured_rank"):
        rank = f.int_("featured_rank", nullable=True)
        listing.featured_rank = -1 if rank is None else rank


# --- read ---------------------------------------------------------------------------------------


def get_listing(state: SandboxState, req: Request) -> Response:
    listing = visible_listing(state, req, path_int(req, "listing_id"))
    wanted = includes(req, LISTING_INCLUDES)
    body = render_listing(state, listing, base_url=req.base_url, includes=wanted, partners=True)
    return json_response(200, body)


def get_listings_by_shop(state: SandboxState, req: Request) -> Response:
    shop = owned_shop(state, req)
    wanted_state = check_enum(req.arg("state") or "active", READ_STATES)
    limit, offset = limit_offset(req)
    wanted = includes(req, SHOP_LISTING_INCLUDES)
    # sort_on/sort_order only apply to searches (spec); Etsy lists newest first.
    found = sorted(
        (x for x in state.listings.values() if x.shop_id == shop["shop_id"]),
        key=lambda x: (x.created_timestamp, x.listing_id),
        reverse=True,
    )
    found = [x for x in found if x.state == wanted_state]
    page = found[offset : offset + limit]
    results = [
        render_listing(state, x, base_url=req.base_url, includes=wanted, partners=True)
        for x in page
    ]
    return json_response(200, {"count": len(found), "results": results})


def _listing_ids(req: Request) -> list[int]:
    raw = req.arg("listing_ids")
    if _blank(raw):
        raise missing(["listing_ids"])
    ids: list[int] = []
    for part in (raw or "").split(","):
        part = part.strip()
        if not part.isdigit():
            raise bad_request(f"Expected int value for 'listing_ids' (got '{part}').")
        ids.append(int(part))
    if len(ids) > MAX_BATCH:
        raise problem("listing_ids", f"cannot be more than {MAX_BATCH} items")
    return ids


def get_listings_by_ids(state: SandboxState, req: Request) -> Response:
    ids = _listing_ids(req)
    wanted = includes(req, LISTING_INCLUDES)
    # (U) Unknown or hidden ids are left out rather than failing the whole batch.
    found = [state.listings[i] for i in dict.fromkeys(ids) if i in state.listings]
    found = [x for x in found if visible(req, x)]
    results = [
        render_listing(
            state,
            x,
            base_url=req.base_url,
            includes=wanted,
            show_readiness=False,
            partners=True,
        )
        for x in found
    ]
    return json_response(200, {"count": len(results), "results": results})


def get_inventories_by_ids(state: SandboxState, req: Request) -> Response:
    """getListingsInventoryByListingIds: one unknown id fails the batch with 404 (§5)."""
    results = []
    for listing_id in dict.fromkeys(_listing_ids(req)):
        listing = owned_listing(state, req, listing_id)
        item = render_listing(
            state, listing, base_url=req.base_url, show_readiness=False, partners=True
        )
        item["inventory"] = render_inventory(state, listing)
        results.append(item)
    return json_response(200, {"count": len(results), "results": results})


# --- update -------------------------------------------------------------------------------------

# Not accepted by updateListing: they change through updateListingInventory (etsy-api.md §5).
# (U) whether Etsy rejects or silently ignores them; rejecting makes the client bug visible.
# readiness_state_id is not among them: Etsy accepts it there (§10.7).
_INVENTORY_FIELDS = ("price", "quantity", "sku")


def update_listing(state: SandboxState, req: Request) -> Response:
    _, original = shop_listing(state, req)
    f = Fields.from_request(req)
    for name in _INVENTORY_FIELDS:
        if f.has(name):
            raise bad_request(
                f"'{name}' cannot be changed with updateListing; "
                "use updateListingInventory to change price, quantity or sku."
            )
    listing = copy.deepcopy(original)  # change a copy: a rejected update changes nothing
    if f.has("title"):
        listing.title = check_title(f.str_("title") or "")
    if f.has("description"):
        if _blank(f.data["description"]):
            raise problem("description", "must not be empty")
        listing.description = f.str_("description") or ""
    check_supply_bundle(f)
    if f.has("who_made"):
        listing.who_made = check_enum(f.str_("who_made") or "", WHO_MADE)
        listing.when_made = check_enum(f.str_("when_made") or "", when_made_values())
        listing.is_supply = f.bool_("is_supply")
    if f.has("taxonomy_id"):
        listing.taxonomy_id = _taxonomy(f)
    if f.has("type") and not _blank(f.data["type"]):
        listing.listing_type = check_enum(f.str_("type") or "", LISTING_TYPES)
        products = [p for p in listing.inventory.products if not p.is_deleted]
        if listing.listing_type != "physical" and len(products) > 1:
            raise conflict(
                "A listing with more than one product cannot become a digital listing; "
                "reduce its inventory to one product first."
            )
    _apply_optional(state, listing, f, creating=False)
    if listing.listing_type == "physical" and listing.shipping_profile_id is None:
        raise bad_request("A shipping_profile_id is required for physical listings.")
    if f.has("who_made") or f.has("production_partner_ids"):
        # Judged on the listing as the update leaves it: partners already on it count
        # (open-api#365 was Etsy wrongly refusing that case; fixed in 2022), and an update
        # that omits production_partner_ids keeps them (open-api#285, also fixed).
        _check_marketplace(listing)
    if f.has("image_ids"):
        set_image_order(state, listing, f.int_list("image_ids"))
    if f.has("state") and not _blank(f.data["state"]):
        _change_state(state, listing, check_enum(f.str_("state") or "", WRITE_STATES))
    elif listing.state == "active" and not listing.image_ids:
        raise bad_request("An active listing must have at least one image.")
    listing.updated_timestamp = int(state.now())
    state.listings[listing.listing_id] = listing
    state.save()
    return json_response(200, render_listing(state, listing, base_url=req.base_url))


def _change_state(state: SandboxState, listing: Listing, target: str) -> None:
    now = int(state.now())
    current = listing.state
    if target == current:
        return
    if target == "inactive":
        if current == "draft":
            # (U) A draft has never been published, so there is nothing to deactivate.
            raise bad_request(
                f"Cannot deactivate a listing in this state: state = {current}, "
                f"listing_id = {listing.listing_id}"
            )
        listing.state = "inactive"
        listing.state_timestamp = now
        return
    check_can_activate(listing)
    if current == "sold_out":
        # Etsy: setting a sold-out listing to active sets its quantity to 1 and renews it.
        products = [p for p in listing.inventory.products if not p.is_deleted]
        products[0].offerings[0].quantity = 1
        products[0].offerings[0].is_enabled = True
    if listing_quantity(listing) < 1:
        raise bad_request("A listing must have a quantity of at least 1 to be activated.")
    if current in ("draft", "expired", "sold_out"):
        # Publishing and renewing cost the listing fee; reactivating an inactive one does not.
        state.bump("listings_published")
        state.bump("publish_fees", PUBLISH_FEE)
        listing.ending_timestamp = now + LISTING_LIFETIME
    listing.state = "active"
    listing.state_timestamp = now


def check_can_activate(listing: Listing) -> None:
    """What a listing needs before it can be active (spec: updateListing; etsy-api.md §5)."""
    if not listing.image_ids:
        raise bad_request("A listing must have at least one image to be activated.")
    if listing.listing_type == "physical":
        if listing.shipping_profile_id is None:
            raise bad_request("A shipping_profile_id is required for physical listings.")
        if listing.return_policy_id is None:
            # The text Etsy has answered for a missing return policy (open-api#855).
            raise bad_request("There was a problem with /return/policy : cannot be null")
        offerings = [
            o
            for p in listing.inventory.products
            if not p.is_deleted
            for o in p.offerings
            if o.is_enabled and not o.is_deleted
        ]
        # (U) Processing profiles replaced processing_min/max; the listings tutorial lists one
        # as required for physical listings, so an active one needs it on the listing or on
        # every enabled offering.
        if listing.readiness_state_id is None and any(
            o.readiness_state_id is None for o in offerings
        ):
            raise bad_request(
                "A readiness_state_id (processing profile) is required for physical listings."
            )
    elif listing.when_made != "made_to_order":
        # The sandbox has no listing files, so such a digital listing can never be activated.
        raise bad_request(
            "Digital listings that are not made to order must have a file to be activated."
        )


# --- delete -------------------------------------------------------------------------------------


def delete_listing(state: SandboxState, req: Request) -> Response:
    listing = owned_listing(state, req, path_int(req, "listing_id"))
    for image_id in listing.image_ids + listing.detached_image_ids:
        state.images.pop(image_id, None)
    del state.listings[listing.listing_id]
    state.bump("listings_deleted")
    state.save()
    return Response(204)
