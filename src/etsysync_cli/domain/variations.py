"""A third variation: one of the category's own properties, with its predefined values.

Etsy lists at most two custom variations (properties 513 and 514, any text). Since June 2026 a
listing may have a third, but only as a property of the listing's taxonomy node that supports
variations, using that property's predefined values (`possible_values`), never custom ones
(docs/tutorials/third-variation, etsy-api.md §5 and §10.14). This module finds that property
for a product's third option, or says in plain words why there is none.

Pure: the properties come from the caller (etsy/taxonomy.py reads and caches them).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class PredefinedValue:
    value_id: int
    name: str
    scale_id: int | None = None


@dataclass(frozen=True)
class VariationProperty:
    """A taxonomy property that supports variations (getPropertiesByTaxonomyId)."""

    property_id: int
    name: str
    display_name: str = ""
    values: tuple[PredefinedValue, ...] = ()


# The properties of a taxonomy node that can be variations; [] when it has none.
PropertyLookup = Callable[[int], Sequence[VariationProperty]]


@dataclass(frozen=True)
class ThirdVariation:
    """The option a third variation is made of, and the predefined value for each of its values
    (keyed by the option's own text)."""

    option: str
    prop: VariationProperty
    values: dict[str, PredefinedValue] = field(default_factory=dict)

    @property
    def scale_id(self) -> int | None:
        scales = {v.scale_id for v in self.values.values()}
        return scales.pop() if len(scales) == 1 else None


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(plain.replace("colour", "color").split())


def _predefined(prop: VariationProperty, values: Sequence[str]) -> dict[str, PredefinedValue]:
    """Each value's predefined value, or {} if one is missing or they mix scales (Etsy takes
    one scale per property)."""
    by_name: dict[str, list[PredefinedValue]] = {}
    for known in prop.values:
        by_name.setdefault(_fold(known.name), []).append(known)
    found: dict[str, PredefinedValue] = {}
    for value in values:
        options = by_name.get(_fold(value))
        if not options:
            return {}
        found[value] = options[0]
    if len({v.scale_id for v in found.values()}) > 1:
        return {}
    return found


def match_third(
    option: str, values: Sequence[str], properties: Sequence[VariationProperty]
) -> ThirdVariation | None:
    """The property whose predefined values hold every value of the option. When several do
    (Primary and Secondary color share their colours), the one named like the option wins,
    then the first in Etsy's order."""
    wanted = _fold(option)
    fits = []
    for order, prop in enumerate(properties):
        found = _predefined(prop, values)
        if not found:
            continue
        names = {_fold(prop.name), _fold(prop.display_name)} - {""}
        rank = 0 if wanted in names else 1 if any(wanted in n for n in names) else 2
        fits.append((rank, order, ThirdVariation(option, prop, found)))
    return min(fits, key=lambda fit: fit[:2])[2] if fits else None


def no_third_reason(
    option: str, values: Sequence[str], properties: Sequence[VariationProperty], taxonomy_id: int
) -> str:
    """Why the option cannot be a third variation, and what would work instead."""
    shown = ", ".join(values[:5]) + (", …" if len(values) > 5 else "")
    why = (
        f"option '{option}' ({shown}) cannot be a third variation: Etsy takes at most two "
        "variations with the seller's own names and values, and a third only as one of the "
        "category's predefined properties with its predefined values"
    )
    if not properties:
        return f"{why}, and category {taxonomy_id} has none that can be a variation"
    names = ", ".join(p.name for p in properties)
    return (
        f"{why}; none of category {taxonomy_id}'s ({names}) lists all of these values. Use at "
        "most two options, or values Etsy lists for one of those properties"
    )
