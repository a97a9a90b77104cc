"""Form bodies the way Etsy reads them (etsy-api.md §2).

- Arrays (`tags`, `materials`, `image_ids`, ...) are ONE comma-separated value, no brackets
  (repeated keys keep only one value). An item that itself contains a comma is refused, since
  Etsy would split it.
- Booleans are `true` / `false`.
- Decimals are written digit for digit (`Decimal("12.50")` → `12.50`); floats are refused so a
  price never passes through binary floating point.
- `None` leaves the field out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from etsysync_cli.etsy.inventory import decimal_text

FormScalar = str | int | bool | Decimal
FormValue = FormScalar | Sequence[str | int | Decimal] | None

# Never sent: replaced by processing profiles, deprecated, or removed by Etsy (etsy-api.md §5, §8).
NEVER_SEND = frozenset(
    {
        "legacy",
        "processing_min",
        "processing_max",
        "is_personalizable",
        "personalization_is_required",
        "personalization_char_count_max",
        "personalization_instructions",
    }
)
# updateListing cannot change these: they live in the inventory (updateListingInventory).
INVENTORY_ONLY = frozenset({"price", "quantity", "sku", "readiness_state_id"})


def scalar_text(name: str, value: FormScalar) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, str):
        return value
    raise TypeError(
        f"{name}: cannot send {type(value).__name__} to Etsy (use str, int, bool or Decimal)"
    )


def encode_form(fields: Mapping[str, FormValue]) -> dict[str, str]:
    """Etsy's form encoding of `fields` (see the module docstring)."""
    out: dict[str, str] = {}
    for name, value in fields.items():
        if name in NEVER_SEND:
            raise ValueError(f"{name} must not be sent to Etsy (deprecated or removed)")
        if value is None:
            continue
        if isinstance(value, str | int | bool | Decimal):
            out[name] = scalar_text(name, value)
            continue
        if isinstance(value, Sequence):
            items = [scalar_text(name, item) for item in value]
            if any("," in item for item in items):
                raise ValueError(f"{name}: an item contains a comma, which Etsy would split")
            out[name] = ",".join(items)
            continue
        raise TypeError(f"{name}: cannot send {type(value).__name__} to Etsy (use Decimal)")
    return out
