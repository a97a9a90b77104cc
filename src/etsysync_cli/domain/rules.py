"""Etsy's listing rules that can be checked offline, as small pure functions.

The authority is etsy-api.md §5 and §6 (and Etsy's OpenAPI document where it is more precise,
e.g. the character classes of titles and tags and the parentheses in variation values). Every
check returns a list of reasons in plain words, each naming the offending value and the rule; an
empty list means the value passes. Nothing here knows Medusa or our draft model, so the rules can
be read side by side with the documentation.

The `*_fixed` functions are the safe repairs the mapping may make with a warning (etsy-api.md §6
says what Etsy refuses; removing it changes nothing a buyer would miss): invisible characters
removed, characters Etsy refuses in tags and materials turned into spaces.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal

TITLE_MAX_CHARS = 140
TITLE_ONCE_CHARS = "%:&+"  # each may appear at most once in a title
TITLE_FORBIDDEN_CHARS = "$^`"  # named in Etsy's error message; also outside the allowed classes
MARKS = "™©®"  # allowed in titles and tags besides the character classes
TAGS_MAX = 13
TAG_MAX_CHARS = 20
TAG_EXTRA_CHARS = "-'" + MARKS
# (U) etsy-api.md §6 gives no numbers; Etsy's listing form takes 13 of up to 45 characters, and
# the sandbox holds Etsy to the same (sandbox/rules.py)
MATERIALS_MAX = 13
MATERIAL_MAX_CHARS = 45
PRICE_MIN = Decimal("0.20")  # USD 0.20 or its equivalent in the shop's currency
PRICE_MAX = Decimal("50000")  # USD 50,000
QUANTITY_MAX = 999  # per listing (sum of offerings) and per offering
IMAGES_MAX = 20
ALT_TEXT_MAX_CHARS = 500
CUSTOM_PROPERTY_IDS = (513, 514)  # Etsy's two custom variation properties
# Two custom variations plus, since June 2026, a third that must be a predefined property of
# the listing's taxonomy (docs/tutorials/third-variation, etsy-api.md §10.14).
VARIATIONS_MAX = len(CUSTOM_PROPERTY_IDS) + 1
PROPERTY_VALUES_MAX = 70
WHO_MADE = ("i_did", "someone_else", "collective")
LISTING_TYPES = ("physical", "download", "both")
WEIGHT_UNITS = ("oz", "lb", "g", "kg")

# Every when_made value but the newest decade, which Etsy renames each year (`2020_<year>`).
_WHEN_MADE_FIXED = (
    "2010_2019",
    "2007_2009",
    "before_2007",
    "2000_2006",
    "1990s",
    "1980s",
    "1970s",
    "1960s",
    "1950s",
    "1940s",
    "1930s",
    "1920s",
    "1910s",
    "1900s",
    "1800s",
    "1700s",
    "before_1700",
)


def when_made_choices(today: date) -> tuple[str, ...]:
    """Etsy's when_made values in `today`'s year (etsy-api.md §6: do not hard-code the decade)."""
    return ("made_to_order", f"2020_{today.year}", *_WHEN_MADE_FIXED)


def when_made_reasons(value: str, today: date) -> list[str]:
    choices = when_made_choices(today)
    if value in choices:
        return []
    listed = ", ".join(choices)
    if value.startswith("2020_"):
        return [f"when_made '{value}' is no longer an Etsy value; use one of: {listed}"]
    return [f"when_made '{value}' is not an Etsy value; use one of: {listed}"]


def who_made_reasons(value: str) -> list[str]:
    if value in WHO_MADE:
        return []
    return [f"who_made '{value}' is not an Etsy value; use one of: {', '.join(WHO_MADE)}"]


def type_reasons(value: str) -> list[str]:
    if value in LISTING_TYPES:
        return []
    return [f"type '{value}' is not an Etsy listing type; use one of: {', '.join(LISTING_TYPES)}"]


# --- text ----------------------------------------------------------------------------------------


def _show(char: str) -> str:
    """A character as a reader can see it: invisible ones by code point."""
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    return f"U+{ord(char):04X}"


def _listed(chars: Iterable[str]) -> str:
    return ", ".join(_show(c) for c in dict.fromkeys(chars))  # dict keeps first-seen order


class CharRule:
    """A rule about single characters, remembered per character.

    A text is checked with one set difference against the characters already found good, so
    the Unicode lookups run once per distinct character of a whole catalog instead of once per
    character of every title, tag and description (they were a tenth of a large plan)."""

    def __init__(self, accepts: Callable[[str], bool]) -> None:
        self._accepts = accepts
        self._good: set[str] = set()
        self._bad: set[str] = set()

    def refused(self, text: str) -> list[str]:
        """The characters of `text` the rule refuses, in order and with repeats."""
        unknown = set(text) - self._good
        if not unknown:
            return []
        for char in unknown - self._bad:
            (self._good if self._accepts(char) else self._bad).add(char)
        if unknown.isdisjoint(self._bad):
            return []
        return [c for c in text if c in self._bad]

    def spaced(self, text: str) -> str:
        """`text` with each refused character turned into a space."""
        if not self.refused(text):
            return text
        return "".join(" " if c in self._bad else c for c in text)


def _title_char_ok(char: str) -> bool:
    # Etsy: /[^\p{L}\p{Nd}\p{P}\p{Sm}\p{Zs}™©®]/u finds a rejected character
    category = unicodedata.category(char)
    return (
        category[0] in "LP" or category in ("Nd", "Sm", "Zs") or char in MARKS
    ) and char not in TITLE_FORBIDDEN_CHARS


TITLE_CHARS = CharRule(_title_char_ok)


def title_reasons(title: str) -> list[str]:
    if not title.strip():
        return ["title is empty"]
    reasons = []
    if len(title) > TITLE_MAX_CHARS:
        reasons.append(f"title is {len(title)} characters; Etsy allows at most {TITLE_MAX_CHARS}")
    bad = TITLE_CHARS.refused(title)
    if bad:
        reasons.append(f"title contains characters Etsy does not accept: {_listed(bad)}")
    for char in TITLE_ONCE_CHARS:
        count = title.count(char)
        if count > 1:
            reasons.append(f"title uses '{char}' {count} times; Etsy allows it at most once")
    return reasons


# Characters no listing text should carry: control characters (but line breaks and tabs in a
# description), and the bidirectional overrides and isolates that make text read otherwise
# than it is stored.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _shown_char(char: str) -> bool:
    return not (unicodedata.category(char) == "Cc" and char not in "\n\t") and (
        char not in BIDI_CONTROLS
    )


DESCRIPTION_CHARS = CharRule(_shown_char)


def description_reasons(description: str) -> list[str]:
    if not description.strip():
        return ["description is empty; Etsy requires one"]
    hidden = DESCRIPTION_CHARS.refused(description)
    if hidden:
        return [
            f"description contains control or text-direction characters: {_listed(hidden)}; "
            "remove them"
        ]
    return []


def _tag_char_ok(char: str) -> bool:
    # Etsy: /[^\p{L}\p{Nd}\p{Zs}\-'™©®]/u finds a rejected character
    category = unicodedata.category(char)
    return category[0] == "L" or category in ("Nd", "Zs") or char in TAG_EXTRA_CHARS


TAG_CHARS = CharRule(_tag_char_ok)


def tag_reasons(tags: Sequence[str]) -> list[str]:
    reasons = []
    if len(tags) > TAGS_MAX:
        reasons.append(f"has {len(tags)} tags; Etsy allows at most {TAGS_MAX}")
    seen: set[str] = set()
    for tag in tags:
        if not tag.strip():
            reasons.append("a tag is empty")
            continue
        if len(tag) > TAG_MAX_CHARS:
            reasons.append(
                f"tag '{tag}' is {len(tag)} characters; Etsy allows at most {TAG_MAX_CHARS}"
            )
        bad = TAG_CHARS.refused(tag)
        if bad:
            reasons.append(
                f"tag '{tag}' contains {_listed(bad)}; Etsy allows only letters, digits, "
                "spaces, - and ' in tags"
            )
        key = tag.casefold()  # Etsy tags are not case-sensitive
        if key in seen:
            reasons.append(f"tag '{tag}' appears more than once; Etsy refuses duplicate tags")
        seen.add(key)
    return reasons


def _material_char_ok(char: str) -> bool:
    # Etsy: /[^\p{L}\p{Nd}\p{Zs}]/u finds a rejected character
    category = unicodedata.category(char)
    return category[0] == "L" or category in ("Nd", "Zs")


MATERIAL_CHARS = CharRule(_material_char_ok)

# Characters a reader never sees and no Etsy text accepts: zero-width space, soft hyphen, byte
# order mark, word joiner. Removing them changes nothing on the page.
INVISIBLE_CHARS = frozenset("\u200b\u00ad\ufeff\u2060")


def without_invisible(text: str) -> str:
    """`text` without the characters of `INVISIBLE_CHARS`: format characters a buyer never
    sees, so removing them changes nothing a buyer reads. Control characters (an escape
    sequence pasted from a terminal) are not removed: what is left of such a sequence ("[31m")
    would still be garbage in the listing, so they keep the product invalid for the seller to
    fix (`has_control`)."""
    if INVISIBLE_CHARS.isdisjoint(text):
        return text
    return "".join(c for c in text if c not in INVISIBLE_CHARS)


NOT_CONTROL = CharRule(lambda c: unicodedata.category(c) != "Cc" or c.isspace())


def has_control(text: str) -> bool:
    """Whether `text` holds a control character other than whitespace."""
    return bool(NOT_CONTROL.refused(text))


def _spaced(text: str, chars: CharRule) -> str:
    if not chars.refused(text):
        # Nothing to mend (each rule refuses control and invisible characters): the common
        # case, one set difference.
        return " ".join(text.split())
    if has_control(text):
        return text  # not mended: the rule's reason names it (see without_invisible)
    return " ".join(chars.spaced(without_invisible(text)).split())


def tag_fixed(tag: str) -> str:
    """The tag with every character Etsy refuses in tags turned into a space ('tea/coffee' →
    'tea coffee'); empty when nothing is left."""
    return _spaced(tag, TAG_CHARS)


def material_fixed(material: str) -> str:
    """The material with every character Etsy refuses in materials turned into a space
    ('cotton-blend' → 'cotton blend'); empty when nothing is left."""
    return _spaced(material, MATERIAL_CHARS)


def material_reasons(materials: Sequence[str]) -> list[str]:
    reasons = []
    if len(materials) > MATERIALS_MAX:
        reasons.append(f"has {len(materials)} materials; Etsy allows at most {MATERIALS_MAX}")
    for material in materials:
        if not material.strip():
            reasons.append("a material is empty")
            continue
        if len(material) > MATERIAL_MAX_CHARS:
            reasons.append(
                f"material '{material}' is {len(material)} characters; Etsy allows at most "
                f"{MATERIAL_MAX_CHARS}"
            )
        bad = MATERIAL_CHARS.refused(material)
        if bad:
            reasons.append(
                f"material '{material}' contains {_listed(bad)}; Etsy allows only letters, "
                "digits and spaces in materials"
            )
    return reasons


# --- numbers -------------------------------------------------------------------------------------


def price_reasons(price: Decimal, currency: str, *, label: str = "price") -> list[str]:
    """Etsy's bounds are in USD; offline we apply the same numbers in the shop's currency."""
    if PRICE_MIN <= price <= PRICE_MAX:
        return []
    number = f"{price:,.2f}" if abs(price) < 10**15 else f"{price:.2E}"
    shown = f"{number} {currency.upper()}"
    if price < PRICE_MIN:
        return [f"{label} is {shown}; Etsy's minimum is {PRICE_MIN} (USD 0.20 or equivalent)"]
    return [f"{label} is {shown}; Etsy's maximum is {PRICE_MAX:,} (USD)"]


def offering_quantity_reasons(quantity: int, *, label: str = "quantity") -> list[str]:
    if 0 <= quantity <= QUANTITY_MAX:
        return []
    return [f"{label} {quantity} is outside Etsy's range of 0 to {QUANTITY_MAX}"]


def listing_quantity_reasons(total: int) -> list[str]:
    if total < 1:
        return ["listing quantity must be at least 1 when the listing is created"]
    if total > QUANTITY_MAX:
        return [f"listing quantity {total} is above Etsy's maximum of {QUANTITY_MAX}"]
    return []


ID_MAX = 2**63 - 1  # Etsy ids are int64


def id_reasons(name: str, value: int | None) -> list[str]:
    if value is None or 1 <= value <= ID_MAX:
        return []
    return [f"{name} {value} is not a valid Etsy id (ids are whole numbers from 1)"]


def weight_reasons(weight: Decimal | None, unit: str | None) -> list[str]:
    if weight is None:
        return []
    reasons = []
    if weight <= 0:
        reasons.append(f"item weight {weight} must be greater than 0")
    if unit not in WEIGHT_UNITS:
        reasons.append(f"item weight unit '{unit}' is not one of {', '.join(WEIGHT_UNITS)}")
    return reasons


def sku_reasons(skus: Iterable[str]) -> list[str]:
    """A listing's variants each need their own SKU, or none."""
    counts = Counter(sku for sku in skus if sku)
    return [
        f"SKU {sku} is on {n} variants; each variant needs its own (or none)"
        for sku, n in sorted(counts.items())
        if n > 1
    ]


# --- images --------------------------------------------------------------------------------------


def image_count_reasons(count: int) -> list[str]:
    if count <= IMAGES_MAX:
        return []
    return [f"has {count} images; Etsy allows at most {IMAGES_MAX} per listing"]


def alt_text_reasons(alt_text: str) -> list[str]:
    if len(alt_text) <= ALT_TEXT_MAX_CHARS:
        return []
    return [f"image alt text is {len(alt_text)} characters; Etsy allows at most 500"]


# --- variations ----------------------------------------------------------------------------------


def variation_reasons(variations: Sequence[tuple[str, Sequence[str]]]) -> list[str]:
    """Check variations given as (option name, distinct values): the first two become properties
    513/514, a third a predefined property of the taxonomy (domain/variations.py)."""
    reasons = []
    if len(variations) > VARIATIONS_MAX:
        names = ", ".join(name for name, _ in variations)
        reasons.append(
            f"has {len(variations)} options ({names}); Etsy allows at most {VARIATIONS_MAX} "
            "variations"
        )
    seen: set[str] = set()
    for name, values in variations:
        if not name.strip():
            reasons.append("an option has no name")
        elif name.casefold() in seen:
            reasons.append(f"two options are named '{name}'")
        seen.add(name.casefold())
        if len(values) > PROPERTY_VALUES_MAX:
            reasons.append(
                f"option '{name}' has {len(values)} values; Etsy allows at most "
                f"{PROPERTY_VALUES_MAX}"
            )
        # Etsy's schema: parentheses are not allowed in property values
        for text in (name, *values):
            if "(" in text or ")" in text:
                reasons.append(
                    f"option '{name}': '{text}' contains a parenthesis, which Etsy does not "
                    "accept in variations"
                )
        if any(not value.strip() for value in values):
            reasons.append(f"option '{name}' has an empty value")
    return reasons
