"""What happens to a listing's inventory on etsy.com, outside the API: a seller adds a variation
in the listing editor, or Etsy fills a variation grid with offerings nobody wrote.

Tests reach these through `SandboxServer.add_variation` and `SandboxServer.fill_variation_grids`
so the client can meet listings it did not shape itself (etsy-api.md §10.3, §10.14).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from etsysync_cli.sandbox import taxonomy
from etsysync_cli.sandbox.state import (
    Inventory,
    Listing,
    Offering,
    Product,
    SandboxState,
    VariationValue,
)

MAX_VARIATIONS = 3  # since June 2026 (docs/tutorials/third-variation)


def live_products(inventory: Inventory) -> list[Product]:
    return [p for p in inventory.products if not p.is_deleted]


def variation_ids(listing: Listing) -> list[int]:
    """The listing's variation property ids, in the products' order ([] without variations)."""
    products = live_products(listing.inventory)
    return [v.property_id for v in products[0].property_values] if products else []


def add_variation(
    state: SandboxState, listing: Listing, property_id: int, values: Sequence[str]
) -> None:
    """A seller adds a variation on etsy.com: every product is split into one per value.

    Since June 2026 a seller may add a third variation at any time; like the API, the editor
    takes a third one only as a property of the listing's taxonomy with its predefined values
    (docs/tutorials/third-variation). Offerings are copied to each new product.
    """
    held = variation_ids(listing)
    if len(held) >= MAX_VARIATIONS:
        raise ValueError(f"listing {listing.listing_id} already has {len(held)} variations")
    if property_id in taxonomy.CUSTOM_PROPERTY_IDS and len(held) == 2:
        raise ValueError("a third variation cannot be a custom property (513/514)")
    if property_id in held:
        raise ValueError(f"listing {listing.listing_id} already varies by {property_id}")
    if not values:
        raise ValueError("a variation needs at least one value")
    if property_id in taxonomy.CUSTOM_PROPERTY_IDS:
        new_values = [
            VariationValue(
                property_id, "Custom", None, None, [state.custom_value_id(property_id, v)], [v]
            )
            for v in values
        ]
    else:
        new_values = _predefined(listing, property_id, values)
    old = listing.inventory
    products = []
    for product, value in itertools.product(live_products(old), new_values):
        products.append(
            Product(
                product_id=state.next_id("product"),
                sku=product.sku,
                offerings=[
                    Offering(
                        state.next_id("offering"),
                        o.price,
                        o.quantity,
                        o.is_enabled,
                        o.readiness_state_id,
                    )
                    for o in product.offerings
                    if not o.is_deleted
                ],
                property_values=[*product.property_values, value],
            )
        )
    for product in old.products:
        product.is_deleted = True
    ids = [*held, property_id]

    def grown(along: list[int]) -> list[int]:
        # "All of the properties" stays all of them; none or one stays as it was.
        return ids if held and along == held and len(held) > 1 else list(along)

    listing.inventory = Inventory(
        products=products,
        price_on_property=grown(old.price_on_property),
        quantity_on_property=grown(old.quantity_on_property),
        sku_on_property=grown(old.sku_on_property),
        readiness_state_on_property=grown(old.readiness_state_on_property),
        deleted_products=old.deleted_products + old.products,
    )
    listing.updated_timestamp = int(state.now())


def _predefined(listing: Listing, property_id: int, values: Sequence[str]) -> list[VariationValue]:
    tid = listing.taxonomy_id or 0
    prop = taxonomy.property_for(tid, property_id)
    if prop is None or not prop.supports_variations:
        raise ValueError(f"property {property_id} is not a variation property of taxonomy {tid}")
    out = []
    for name in values:
        known = prop.value_by_name(name, None)
        if known is None:
            raise ValueError(f"'{name}' is not a predefined value of {prop.name}")
        scale = prop.scale(known.scale_id) if known.scale_id is not None else None
        out.append(
            VariationValue(
                property_id,
                prop.name,
                scale.scale_id if scale else None,
                scale.display_name if scale else None,
                [known.value_id],
                [known.name],
            )
        )
    return out


def fill_grid(state: SandboxState, listing: Listing) -> int:
    """Add a disabled, 0-priced, 0-quantity product for every combination of the variation
    values that no product has, as Etsy did on a print-on-demand listing (etsy-api.md §10.3,
    ELA). Returns how many were added."""
    products = live_products(listing.inventory)
    if not products or not products[0].property_values:
        return 0
    axes: list[dict[str, VariationValue]] = [{} for _ in products[0].property_values]
    for product in products:
        for axis, value in zip(axes, product.property_values, strict=True):
            axis.setdefault(value.values[0].lower(), value)
    present = {tuple(v.values[0].lower() for v in p.property_values) for p in products}
    added = 0
    readiness = products[0].offerings[0].readiness_state_id if products[0].offerings else None
    for combination in itertools.product(*(list(axis.values()) for axis in axes)):
        key = tuple(v.values[0].lower() for v in combination)
        if key in present:
            continue
        listing.inventory.products.append(
            Product(
                product_id=state.next_id("product"),
                sku="",
                offerings=[Offering(state.next_id("offering"), 0, 0, False, readiness)],
                property_values=[v.copy() for v in combination],
            )
        )
        added += 1
    return added
