"""A small built-in seller taxonomy: enough of Etsy's tree for realistic listings and variations.

Ids are stable so tests and the demo can name them. Properties attach to a node and are
inherited by its descendants, which is how Etsy's per-category properties behave for the
shallow tree kept here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Etsy's two custom variation properties, valid under every taxonomy node.
CUSTOM_PROPERTY_IDS = (513, 514)

# (id, name, parent_id)
_NODES: tuple[tuple[int, str, int | None], ...] = (
    (69, "Art & Collectibles", None),
    (100, "Prints", 69),
    (101, "Digital Prints", 100),
    (102, "Giclée", 100),
    (374, "Clothing", None),
    (380, "Gender-Neutral Adult Clothing", 374),
    (449, "Tops & Tees", 380),
    (482, "T-shirts", 449),
    (891, "Home & Living", None),
    (1002, "Kitchen & Dining", 891),
    (1034, "Drink & Barware", 1002),
    (1062, "Drinkware", 1034),
    (1073, "Mugs", 1062),
    (1025, "Home Decor", 891),
    (1031, "Vases", 1025),
    (1017, "Candles & Holders", 1025),
    (1018, "Candles", 1017),
    (1179, "Jewelry", None),
    (1208, "Necklaces", 1179),
    (1212, "Pendants", 1208),
)


@dataclass(frozen=True)
class Scale:
    scale_id: int
    display_name: str
    description: str


@dataclass(frozen=True)
class PropertyValue:
    value_id: int
    name: str
    scale_id: int | None = None


@dataclass(frozen=True)
class TaxonomyProperty:
    property_id: int
    name: str
    display_name: str
    possible_values: tuple[PropertyValue, ...]
    scales: tuple[Scale, ...] = ()
    supports_variations: bool = True

    def value_by_id(self, value_id: int) -> PropertyValue | None:
        return next((v for v in self.possible_values if v.value_id == value_id), None)

    def value_by_name(self, name: str, scale_id: int | None) -> PropertyValue | None:
        lowered = name.strip().lower()
        return next(
            (
                v
                for v in self.possible_values
                if v.name.lower() == lowered and (scale_id is None or v.scale_id == scale_id)
            ),
            None,
        )

    def scale(self, scale_id: int) -> Scale | None:
        return next((s for s in self.scales if s.scale_id == scale_id), None)


def _colors(start: int) -> tuple[PropertyValue, ...]:
    names = "Black Blue Brown Green Grey Orange Pink Purple Red White Yellow Beige Gold Silver"
    return tuple(PropertyValue(start + i, n) for i, n in enumerate(names.split()))


_LETTER = Scale(301, "Letter", "Letter sizes")
_INCHES = Scale(331, "Inches", "Length in inches")
_CM = Scale(332, "Centimeters", "Length in centimeters")

PROPERTIES: dict[int, TaxonomyProperty] = {
    p.property_id: p
    for p in (
        TaxonomyProperty(200, "Primary color", "Primary color", _colors(1213)),
        TaxonomyProperty(52047899002, "Secondary color", "Secondary color", _colors(52052001)),
        TaxonomyProperty(
            100,
            "Size",
            "Size",
            tuple(
                PropertyValue(1795 + i, n, 301)
                for i, n in enumerate(("XXS", "XS", "S", "M", "L", "XL", "XXL", "3XL"))
            ),
            scales=(_LETTER,),
        ),
        TaxonomyProperty(
            507,
            "Material",
            "Material",
            tuple(
                PropertyValue(18163610600 + i, n)
                for i, n in enumerate(("Ceramic", "Cotton", "Glass", "Silver", "Wood", "Wax"))
            ),
        ),
        TaxonomyProperty(
            506,
            "Length",
            "Length",
            tuple(PropertyValue(5100 + i, f"{n} in", 331) for i, n in enumerate((16, 18, 20, 24)))
            + tuple(PropertyValue(5200 + i, f"{n} cm", 332) for i, n in enumerate((40, 45, 50))),
            scales=(_INCHES, _CM),
        ),
    )
}

# node id -> property ids attached at that node (inherited by descendants)
_NODE_PROPERTIES: dict[int, tuple[int, ...]] = {
    69: (200, 52047899002),
    374: (200, 52047899002),
    891: (200, 52047899002),
    1179: (200, 52047899002),
    380: (100,),
    1002: (507,),
    1025: (507,),
    1208: (507, 506),
}

_BY_ID = {node_id: (name, parent) for node_id, name, parent in _NODES}


def exists(taxonomy_id: int) -> bool:
    return taxonomy_id in _BY_ID


def path_ids(taxonomy_id: int) -> list[int]:
    """Ids from the root down to the node itself (Etsy's `full_path_taxonomy_ids`)."""
    path: list[int] = []
    current: int | None = taxonomy_id
    while current is not None:
        path.append(current)
        current = _BY_ID[current][1]
    return list(reversed(path))


def _node(node_id: int) -> dict[str, Any]:
    name, parent = _BY_ID[node_id]
    full_path = path_ids(node_id)
    return {
        "id": node_id,
        "level": len(full_path) - 1,
        "name": name,
        "parent_id": parent,
        "children": [_node(child) for child, _, p in _NODES if p == node_id],
        "full_path_taxonomy_ids": full_path,
    }


def nodes_tree() -> list[dict[str, Any]]:
    """The SellerTaxonomyNode tree: root nodes with nested `children`."""
    return [_node(node_id) for node_id, _, parent in _NODES if parent is None]


def properties_for(taxonomy_id: int) -> list[TaxonomyProperty]:
    """Properties of a node: its own and those inherited from its ancestors."""
    ids: list[int] = []
    for node_id in path_ids(taxonomy_id):
        ids.extend(p for p in _NODE_PROPERTIES.get(node_id, ()) if p not in ids)
    return [PROPERTIES[p] for p in ids]


def property_for(taxonomy_id: int, property_id: int) -> TaxonomyProperty | None:
    return next((p for p in properties_for(taxonomy_id) if p.property_id == property_id), None)


def render_property(prop: TaxonomyProperty) -> dict[str, Any]:
    """A TaxonomyNodeProperty as Etsy returns it."""
    return {
        "property_id": prop.property_id,
        "name": prop.name,
        "display_name": prop.display_name,
        "scales": [
            {"scale_id": s.scale_id, "display_name": s.display_name, "description": s.description}
            for s in prop.scales
        ],
        "is_required": False,
        "supports_attributes": True,
        "supports_variations": prop.supports_variations,
        "is_multivalued": False,
        "max_values_allowed": None,
        "possible_values": [
            {"value_id": v.value_id, "name": v.name, "scale_id": v.scale_id, "equal_to": []}
            for v in prop.possible_values
        ],
        "selected_values": [],
    }
