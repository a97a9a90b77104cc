"""Etsy's input coercions and field rules (etsy-api.md §2 and §6), shared by the handlers.

Messages follow Etsy's observed shapes: "Missing Input Parameter: [...]", "Expected int value
for 'x' (got ...)", "Invalid value (x) for enum(...)", and "There was a problem with /field :
..." for range and length checks. Where the docs give no text, the text here is the sandbox's
own and says what is wrong in plain words.
"""

from __future__ import annotations

import json
import math
import unicodedata
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from etsysync_cli.sandbox.wire import ApiError, Request, bad_request

WHO_MADE = ("i_did", "someone_else", "collective")
LISTING_TYPES = ("physical", "download", "both")
WEIGHT_UNITS = ("oz", "lb", "g", "kg")
DIMENSION_UNITS = ("in", "ft", "mm", "cm", "m", "yd", "inches")
READ_STATES = ("active", "inactive", "sold_out", "draft", "expired")
WRITE_STATES = ("active", "inactive")

MIN_PRICE = Decimal("0.20")
MAX_PRICE = Decimal("50000")
MAX_QUANTITY = 999
MAX_TITLE = 140
MAX_TAGS = 13
MAX_TAG_LENGTH = 20
# (U): Etsy's site limits materials to 13 of up to 45 characters; the spec gives no numbers.
MAX_MATERIALS = 13
MAX_MATERIAL_LENGTH = 45
MAX_STYLES = 2
MAX_STYLE_LENGTH = 45
MAX_ALT_TEXT = 500
MAX_IMAGES = 20

_MARKS = "™©®"
_ONCE_IN_TITLE = "%:&+"
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$", "JPY": "¥"}


def when_made_values(today: datetime | None = None) -> tuple[str, ...]:
    """Etsy renames the first decade value every year (`2020_2025` in 2025): never hard-code it."""
    year = (today or datetime.now(UTC)).year
    decades = tuple(f"{d}s" for d in range(1990, 1899, -10))
    recent = ("made_to_order", f"2020_{year}", "2010_2019", "2007_2009", "before_2007")
    return (*recent, "2000_2006", *decades, "1800s", "1700s", "before_1700")


def check_enum(value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise bad_request(f"Invalid value ({value}) for enum({', '.join(allowed)})")
    return value


def missing(names: list[str]) -> ApiError:
    return bad_request(f"Missing Input Parameter: [{', '.join(names)}]")


def problem(path: str, message: str) -> ApiError:
    return bad_request(f"There was a problem with /{path} : {message}")


def _type_error(name: str, kind: str, raw: Any) -> ApiError:
    shown = "NULL" if raw is None else f"'{raw}'" if isinstance(raw, str) else json.dumps(raw)
    return bad_request(f"Expected {kind} value for '{name}' (got {shown}).")


class Fields:
    """Body fields of a form or JSON request, read with Etsy's coercions.

    Form arrays are one comma-separated value (etsy-api.md §2); JSON arrays may be lists or such
    a string. Booleans are true/false or 1/0. A nullable field is cleared by JSON null or an
    empty form value.
    """

    def __init__(self, data: dict[str, Any], is_json: bool) -> None:
        self.data = data
        self.is_json = is_json

    @classmethod
    def from_request(cls, req: Request) -> Fields:
        # The spec documents form bodies; JSON is accepted in practice (etsy-api.md §2, (U)).
        if req.content_type == "application/json":
            data = req.json()
            if not isinstance(data, dict):
                raise bad_request("The request body must be a JSON object.")
            return cls(data, True)
        if req.content_type in ("application/x-www-form-urlencoded", "") or not req.body:
            return cls(dict(req.form()), False)
        raise bad_request(f"Unsupported content type: {req.content_type}.")

    def has(self, name: str) -> bool:
        return name in self.data

    def _null(self, raw: Any) -> bool:
        return raw is None or (isinstance(raw, str) and raw.strip() == "")

    def str_(self, name: str) -> str | None:
        raw = self.data.get(name)
        if raw is None:
            return None
        if not isinstance(raw, str):
            raise _type_error(name, "string", raw)
        return raw

    def int_(self, name: str, *, nullable: bool = False) -> int | None:
        raw = self.data.get(name)
        if nullable and self._null(raw):
            return None
        return _to_int(name, raw)

    def float_(self, name: str, *, nullable: bool = True) -> float | None:
        raw = self.data.get(name)
        if nullable and self._null(raw):
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise _type_error(name, "float", raw)
        try:
            value = float(raw)
        except ValueError:
            raise _type_error(name, "float", raw) from None
        if not math.isfinite(value):
            raise _type_error(name, "float", raw)
        return value

    def decimal_(self, name: str) -> Decimal:
        raw = self.data.get(name)
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise _type_error(name, "float", raw)
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            raise _type_error(name, "float", raw) from None
        if not value.is_finite():
            raise _type_error(name, "float", raw)
        return value

    def bool_(self, name: str) -> bool:
        return to_bool(name, self.data.get(name))

    def str_list(self, name: str) -> list[str]:
        raw = self.data.get(name)
        if raw is None:
            return []
        items: list[Any] = raw if isinstance(raw, list) else str(raw).split(",")
        if not all(isinstance(i, str) for i in items):
            raise _type_error(name, "string", raw)
        return [i.strip() for i in items if i.strip()]

    def int_list(self, name: str) -> list[int]:
        raw = self.data.get(name)
        if raw is None:
            return []
        items: list[Any] = raw if isinstance(raw, list) else str(raw).split(",")
        return [_to_int(name, i) for i in items if not (isinstance(i, str) and not i.strip())]


def _to_int(name: str, raw: Any) -> int:
    if isinstance(raw, bool):
        raise _type_error(name, "int", raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    raise _type_error(name, "int", raw)


def to_bool(name: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if isinstance(raw, str) and raw.strip().lower() in ("true", "1"):
        return True
    if isinstance(raw, str) and raw.strip().lower() in ("false", "0"):
        return False
    raise _type_error(name, "boolean", raw)


# --- field rules --------------------------------------------------------------------------------


def _category_ok(ch: str, *, punctuation: bool) -> bool:
    cat = unicodedata.category(ch)
    if cat.startswith("L") or cat in ("Nd", "Zs") or ch in _MARKS:
        return True
    return punctuation and (cat.startswith("P") or cat == "Sm")


def check_title(title: str) -> str:
    """Letters, digits, punctuation, math symbols, spaces, ™©®; %:&+ once each; ≤140 chars."""
    title = title.strip()
    if not title:
        raise problem("title", "must not be empty")
    bad = sorted({ch for ch in title if not _category_ok(ch, punctuation=True)})
    if bad:
        shown = " ".join(_show(ch) for ch in bad)
        raise bad_request(f"You cannot include any of the following characters: {shown}")
    repeated = [ch for ch in _ONCE_IN_TITLE if title.count(ch) > 1]
    if repeated:
        raise bad_request(
            f"You can only use the characters % : & + once each in a title "
            f"(repeated: {' '.join(repeated)})."
        )
    # (U) for v3: 140 characters is from Etsy's 2011 API announcement, not in the spec.
    if len(title) > MAX_TITLE:
        raise problem("title", f"must be at most {MAX_TITLE} characters")
    return title


def _show(ch: str) -> str:
    return ch if ch.isprintable() and not ch.isspace() else f"U+{ord(ch):04X}"


def check_tags(tags: list[str]) -> list[str]:
    """≤13 tags of ≤20 chars; letters, digits, spaces, - ' ™©®; no duplicates ((U) limits)."""
    if len(tags) > MAX_TAGS:
        raise problem("tags", f"cannot be more than {MAX_TAGS} items")
    seen: set[str] = set()
    for i, tag in enumerate(tags):
        bad = sorted({c for c in tag if not (_category_ok(c, punctuation=False) or c in "-'")})
        if bad:
            raise bad_request(
                f"Tag '{tag}' contains characters that are not allowed: "
                f"{' '.join(_show(c) for c in bad)}. Tags can only include letters, numbers, "
                "spaces, -, ', ™, © and ®."
            )
        if len(tag) > MAX_TAG_LENGTH:
            raise problem(f"tags/{i}", f"must be at most {MAX_TAG_LENGTH} characters")
        # (U) whether Etsy compares case-insensitively; it lower-cases tags for search.
        if tag.lower() in seen:
            raise bad_request("You may not have duplicate tags")
        seen.add(tag.lower())
    return tags


def check_words(name: str, items: list[str], max_items: int, max_length: int) -> list[str]:
    """Materials and styles: only letters, digits and spaces."""
    if len(items) > max_items:
        raise problem(name, f"cannot be more than {max_items} items")
    for i, item in enumerate(items):
        bad = sorted({c for c in item if not _category_ok(c, punctuation=False) or c in _MARKS})
        if bad:
            raise problem(
                f"{name}/{i}",
                f"'{item}' may only contain letters, numbers and spaces "
                f"(not {' '.join(_show(c) for c in bad)})",
            )
        if len(item) > max_length:
            raise problem(f"{name}/{i}", f"must be at most {max_length} characters")
    return items


def format_money(amount: Decimal, currency: str) -> str:
    return f"{_SYMBOLS.get(currency, '')}{amount:,.2f} {currency}"


def price_to_minor(value: Decimal, currency: str, path: str = "price") -> int:
    """A decimal price in the shop currency → minor units, within Etsy's bounds.

    (U) Etsy converts the USD 0.20 / 50,000 bounds into the shop currency; the sandbox treats
    the shop-currency amount as USD-equivalent. Prices are rounded half-up to cents.
    """
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if value < MIN_PRICE:
        raise problem(path, f"must be above min price {format_money(MIN_PRICE, currency)}")
    if value > MAX_PRICE:
        raise problem(path, f"must be below max price {format_money(MAX_PRICE, currency)}")
    return int(value * 100)


def check_quantity(quantity: int, *, path: str = "quantity", minimum: int = 1) -> int:
    if quantity > MAX_QUANTITY:
        raise problem(path, f"cannot be greater than {MAX_QUANTITY}")
    if quantity < minimum:
        raise problem(path, f"must be greater than or equal to {minimum}")
    return quantity


def check_measure(name: str, value: float | None) -> float | None:
    # The spec: "If set, the value must be greater than 0" (a 0 once even caused a 500).
    if value is not None and value <= 0:
        raise problem(name, "must be greater than 0")
    return value


# Etsy's answer when a listing declares goods made by someone else that Etsy only sells with a
# production partner (etsy-api.md §10.6: ELA, open-api#365, #539).
MARKETPLACE_REFUSAL = "Oh dear, you cannot sell this item on Etsy."


def needs_production_partner(
    who_made: str | None, when_made: str | None, is_supply: bool | None
) -> bool:
    """Whether Etsy refuses the listing without a production partner.

    ELA measured the rule on one listing: `someone_else` + `made_to_order` + not a supply is
    refused; the same with `before_2007` (vintage resale), with `is_supply=true`, or with
    `collective`/`i_did` passes. open-api#118 saw the refusal for the "made to order" and
    "recently" values too, so the recent decades count like made to order.
    """
    if who_made != "someone_else" or is_supply:
        return False
    recent = when_made_values()[:4]  # made_to_order, 2020_<year>, 2010_2019, 2007_2009
    return when_made in recent


def check_marketplace(
    who_made: str | None, when_made: str | None, is_supply: bool | None, partner_ids: list[int]
) -> None:
    if not partner_ids and needs_production_partner(who_made, when_made, is_supply):
        raise problem("marketplace", MARKETPLACE_REFUSAL)


def check_supply_bundle(fields: Fields) -> None:
    """who_made, when_made and is_supply go together: all three or none (open-api#280, #511)."""
    names = ("who_made", "when_made", "is_supply")
    given = [n for n in names if fields.has(n)]
    if given and len(given) < 3:
        absent = " and without ".join(f"'{n}'" for n in names if n not in given)
        raise bad_request(f"Cannot update '{given[0]}' without {absent} and vice versa")
