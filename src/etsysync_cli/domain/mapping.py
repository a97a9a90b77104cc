"""Product → Etsy listing draft, with every Etsy rule that can be checked offline.

Pure: no I/O (the clock is read only when `today` is not given). A product that cannot become a
valid listing comes back as `InvalidListing` with every reason in plain words, so the seller can
fix them all at once; otherwise `MappedListing` carries the draft. Warnings (images capped at 20,
stock capped at 999, a missing description replaced by the title, …) never block a product.

Settings come from `ListingDefaults`, overridden per product by metadata: `etsy_taxonomy_id`,
`etsy_who_made` (or `who_made`), `etsy_when_made` (or `when_made`), `etsy_is_supply`,
`etsy_shipping_profile_id`, `etsy_return_policy_id`, `etsy_readiness_state_id`, `etsy_type`,
`etsy_state`, `etsy_production_partner_ids`, and Etsy-only texts `etsy_title`,
`etsy_description`, `etsy_tags`, `etsy_materials`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from etsysync_cli.domain import canonical as canon
from etsysync_cli.domain import rules
from etsysync_cli.domain.listing import (
    DraftFacts,
    ImageRef,
    InventoryProduct,
    ListingDefaults,
    ListingDraft,
    ListingInventory,
    Offering,
    PropertyValue,
)
from etsysync_cli.domain.product import (
    DEFAULT_OPTION_TITLE,
    Product,
    Variant,
    base_prices,
    ordered_image_urls,
    sellable_quantity,
    stock_is_known,
)
from etsysync_cli.domain.variations import (
    PropertyLookup,
    ThirdVariation,
    match_third,
    no_third_reason,
)


@dataclass(frozen=True)
class MappedListing:
    draft: ListingDraft
    warnings: list[str] = field(default_factory=list)
    # The draft's fingerprint and JSON, when already known (flows/prepare_pool.py).
    fingerprint: str | None = None
    payload: str | None = None


@dataclass(frozen=True)
class PreparedListing:
    """A MappedListing as a catalog worker hands it over (flows/prepare_pool.py): the draft's
    JSON, fingerprint and facts. The draft itself is read back from its JSON only when a plan
    needs it (`listing`: a product with a link); a new product is staged without it."""

    payload: str
    warnings: list[str]
    fingerprint: str
    facts: DraftFacts

    def listing(self) -> MappedListing:
        draft = ListingDraft.model_validate_json(self.payload)
        return MappedListing(
            draft, self.warnings, fingerprint=self.fingerprint, payload=self.payload
        )


@dataclass(frozen=True)
class InvalidListing:
    reasons: list[str]
    warnings: list[str] = field(default_factory=list)


MappedProduct = MappedListing | InvalidListing


def map_product(
    product: Product,
    *,
    currency: str,
    defaults: ListingDefaults,
    today: date | None = None,
    variation_properties: PropertyLookup | None = None,
) -> MappedProduct:
    """Map one product to a listing draft priced in the shop's `currency`.

    `variation_properties` gives a taxonomy node's predefined variation properties; it is asked
    only for a product with three options, whose third must become one of them."""
    mapper = _Mapper(product, currency.upper(), defaults, today or date.today())
    mapper.variation_properties = variation_properties
    return mapper.run()


def draft_fingerprint(draft: ListingDraft) -> str:
    """Hash of the reviewed payload (image refs, not contents: the planner adds those).

    The text hashed is the canonical JSON of the draft's JSON-mode dump, written here field by
    field in sorted key order (domain/canonical.py says why);
    tests/mapping/test_fingerprint_stability.py proves it the same, byte for byte."""
    d = draft
    # Fields added later are left out while unset, so that drafts planned before they existed
    # keep their fingerprint (and are not pushed again for nothing).
    partners = d.production_partner_ids
    partners_field = f'"production_partner_ids":{canon.numbers(partners)},' if partners else ""
    images = ",".join(f'{{"source":{canon.json_text(i.source)}}}' for i in d.images)
    text = (
        f'{{"currency_code":{canon.json_text(d.currency_code)},'
        f'"description":{canon.json_text(d.description)},"images":[{images}],'
        f'"inventory":{_inventory_json(d.inventory)},"is_supply":{canon.flag(d.is_supply)},'
        f'"item_weight":{canon.decimal_text(d.item_weight)},'
        f'"item_weight_unit":{canon.text(d.item_weight_unit)},'
        f'"materials":{canon.texts(d.materials)},"price":{canon.decimal_text(d.price)},'
        f"{partners_field}"
        f'"quantity":{canon.number(d.quantity)},'
        f'"readiness_state_id":{canon.number(d.readiness_state_id)},'
        f'"return_policy_id":{canon.number(d.return_policy_id)},'
        f'"shipping_profile_id":{canon.number(d.shipping_profile_id)},'
        f'"state":{canon.json_text(d.state)},"tags":{canon.texts(d.tags)},'
        f'"taxonomy_id":{canon.number(d.taxonomy_id)},"title":{canon.json_text(d.title)},'
        f'"type":{canon.json_text(d.type)},"when_made":{canon.json_text(d.when_made)},'
        f'"who_made":{canon.json_text(d.who_made)}}}'
    )
    return canon.digest(text)


def _inventory_json(inventory: ListingInventory) -> str:
    products = ",".join(_inventory_product_json(p) for p in inventory.products)
    return (
        f'{{"price_on_property":{canon.numbers(inventory.price_on_property)},'
        f'"products":[{products}],'
        f'"quantity_on_property":{canon.numbers(inventory.quantity_on_property)},'
        f'"readiness_state_on_property":{canon.numbers(inventory.readiness_state_on_property)},'
        f'"sku_on_property":{canon.numbers(inventory.sku_on_property)}}}'
    )


def _inventory_product_json(product: InventoryProduct) -> str:
    offerings = ",".join(
        f'{{"is_enabled":{canon.flag(o.is_enabled)},"price":{canon.decimal_text(o.price)},'
        f'"quantity":{canon.number(o.quantity)},'
        f'"readiness_state_id":{canon.number(o.readiness_state_id)}}}'
        for o in product.offerings
    )
    values = ",".join(
        f'{{"property_id":{canon.number(v.property_id)},'
        f'"property_name":{canon.text(v.property_name)},"scale_id":{canon.number(v.scale_id)},'
        f'"value_ids":{canon.numbers(v.value_ids)},"values":{canon.texts(v.values)}}}'
        for v in product.property_values
    )
    return (
        f'{{"offerings":[{offerings}],"property_values":[{values}],'
        f'"sku":{canon.json_text(product.sku)}}}'
    )


# --- prices --------------------------------------------------------------------------------------

# ISO 4217 currencies without minor units; every other currency is priced to 2 decimals.
_ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND"}
    | {"VUV", "XAF", "XOF", "XPF"}
)
_HUGE = Decimal(10) ** 12  # far above Etsy's maximum; keeps decimal arithmetic bounded
_WHOLE, _CENT, _X99, _X95 = Decimal(1), Decimal("0.01"), Decimal("0.99"), Decimal("0.95")


def apply_pricing(amount: Decimal, defaults: ListingDefaults, currency: str) -> Decimal:
    """Store price → Etsy price: markup, then to the cent (half up), then the rounding rule."""
    if not -_HUGE < amount < _HUGE:
        return amount  # absurd; the price rule reports it
    step = _WHOLE if currency.upper() in _ZERO_DECIMAL else _CENT
    markup = defaults.price_markup_percent
    value = (amount * (100 + markup) / 100 if markup else amount).quantize(step, ROUND_HALF_UP)
    rounding = defaults.price_rounding
    if rounding == "none" or value <= 0:  # a price of 0 stays 0 so that it is reported
        return value
    if rounding == "whole" or step == 1:
        return value.to_integral_value(ROUND_CEILING).quantize(step)
    ending = _X99 if rounding == "x.99" else _X95
    candidate = value.to_integral_value(ROUND_FLOOR) + ending
    return (candidate if candidate >= value else candidate + 1).quantize(step)


# --- small helpers -------------------------------------------------------------------------------


def _line(text: str) -> str:
    """One line of text as Etsy should see it: NFC (a decomposed é would be refused) and
    whitespace runs collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def _block(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("\r\n", "\n").strip()


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        try:
            whole = int(value)
        except (ValueError, OverflowError, ArithmeticError):  # NaN, infinity
            return None
        return whole if whole == value else None
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        return int(value)
    return None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    return None


def _as_text_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return value.split("|" if "|" in value else ",")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _quoted(texts: list[str]) -> str:
    return ", ".join(f"'{t}'" for t in texts)


def _shown(text: str) -> str:
    """Text for a warning, its invisible characters shown by code point ('bo<U+200B>ho')."""
    return "".join(c if c.isprintable() else f"<U+{ord(c):04X}>" for c in text)


def _label(variant: Variant, index: int) -> str:
    name = variant.sku or variant.title or variant.id or f"#{index + 1}"
    options = " / ".join(o.value for o in variant.options if o.title != DEFAULT_OPTION_TITLE)
    return f"{name} ({options})" if options and options != name else name


def _cap_total(quantities: list[int]) -> int | None:
    """The largest per-variant cap that keeps the total within Etsy's 999, or None if none does
    (more variants in stock than 999). Capping shows less than the real stock: never oversells."""
    if sum(quantities) <= rules.QUANTITY_MAX:
        return max(quantities, default=0)
    low, high = 0, max(quantities)
    while low < high:
        middle = (low + high + 1) // 2
        if sum(min(q, middle) for q in quantities) <= rules.QUANTITY_MAX:
            low = middle
        else:
            high = middle - 1
    return low or None


def _varies_on(keys: list[tuple[str, ...]], values: list[object], ids: list[int]) -> list[int]:
    """The property ids a value varies on: none, the one that determines it, or all of them
    (Etsy accepts exactly these three shapes)."""
    if len(values) <= 1 or len(set(values)) <= 1:
        return []
    for position, property_id in enumerate(ids):
        seen: dict[str, object] = {}
        if all(seen.setdefault(key[position], v) == v for key, v in zip(keys, values, strict=True)):
            return [property_id]
    return list(ids)


# Settings a product's metadata may give as text, and its keys for each (the first found wins).
_TEXT_SETTINGS = (
    ("who_made", ("etsy_who_made", "who_made")),
    ("when_made", ("etsy_when_made", "when_made")),
    ("type", ("etsy_type",)),
    ("state", ("etsy_state",)),
)


@dataclass
class _Line:
    """One variant on its way to an inventory product."""

    variant: Variant
    index: int
    values: tuple[str, ...]  # one per variation dimension
    sku: str
    price: Decimal | None  # None: no usable base price (reported)
    quantity: int
    ambiguous: bool = False  # several base prices in the currency (reported)
    complete: bool = True  # False: a variation value is missing (reported)

    @cached_property
    def label(self) -> str:
        """How the seller is told which variant (made only when a message needs it)."""
        return _label(self.variant, self.index)


# --- the mapper ----------------------------------------------------------------------------------


class _Mapper:
    def __init__(
        self, product: Product, currency: str, defaults: ListingDefaults, today: date
    ) -> None:
        self.product = product
        self.currency = currency
        self.defaults = defaults
        self.today = today
        self.meta = product.meta
        self.reasons: list[str] = []
        self.warnings: list[str] = []
        self.variation_properties: PropertyLookup | None = None

    def run(self) -> MappedProduct:
        settings = self._settings()
        title = self._title()
        description = self._description(title)
        self.reasons += rules.description_reasons(description)
        tags = self._tags()
        materials = self._materials()
        images = self._images(settings["state"])
        self._note_options_by_position()
        inventory = self._inventory(settings)
        if self.reasons or inventory is None:
            return InvalidListing(self.reasons, self.warnings)

        enabled = [p.offerings[0] for p in inventory.products if p.offerings[0].is_enabled]
        total = sum(o.quantity for o in enabled)
        state = settings["state"]
        if total == 0:
            self.warnings.append("all variants are out of stock: the listing stays a draft")
            state = "draft"
        weight, unit = self._weight(settings["type"])
        draft = ListingDraft(
            currency_code=self.currency,
            title=title,
            description=description,
            price=min(o.price for o in (enabled or [p.offerings[0] for p in inventory.products])),
            quantity=max(total, 1),  # createDraftListing needs > 0; the inventory says 0
            who_made=settings["who_made"],
            when_made=settings["when_made"],
            is_supply=settings["is_supply"],
            taxonomy_id=settings["taxonomy_id"],
            type=settings["type"],
            shipping_profile_id=settings["shipping_profile_id"],
            return_policy_id=settings["return_policy_id"],
            readiness_state_id=settings["readiness_state_id"],
            tags=tags,
            materials=materials,
            item_weight=weight,
            item_weight_unit=unit,
            production_partner_ids=settings["production_partner_ids"],
            state=state,
            images=images,
            inventory=inventory,
        )
        # Every rule was checked above on the values the draft holds. check_draft, which checks
        # them all again on the finished draft, is the oracle of the property tests
        # (tests/mapping/test_mapping_properties.py) rather than a second pass over every
        # product: that pass was a quarter of mapping, and a fault it could still catch is one
        # product that Etsy refuses at confirm, with Etsy's reason.
        return MappedListing(draft, self.warnings)

    # settings -----------------------------------------------------------------------------------

    def _settings(self) -> dict[str, Any]:
        d = self.defaults
        s: dict[str, Any] = {
            "taxonomy_id": d.taxonomy_id,
            "who_made": d.who_made,
            "when_made": d.when_made,
            "is_supply": d.is_supply,
            "shipping_profile_id": d.shipping_profile_id,
            "return_policy_id": d.return_policy_id,
            "readiness_state_id": d.readiness_state_id,
            "type": d.type,
            "state": d.state,
        }
        for name in (
            "taxonomy_id",
            "shipping_profile_id",
            "return_policy_id",
            "readiness_state_id",
        ):
            key = f"etsy_{name}"
            if self.meta.get(key) is not None:
                number = _as_int(self.meta[key])
                if number is None:
                    self.reasons.append(f"metadata {key} {self.meta[key]!r} is not a whole number")
                else:
                    s[name] = number
                    self.reasons += rules.id_reasons(f"metadata {key}", number)
            else:  # the configuration refuses ids below 1, not ids beyond Etsy's int64
                self.reasons += rules.id_reasons(f"listing.{name}", s[name])
        # etsy_who_made wins over the plain who_made some stores already keep
        for name, keys in _TEXT_SETTINGS:
            found = None
            for key in keys:
                if self.meta.get(key) is not None:
                    found = key
                    break
            if found is not None:
                value = self.meta[found]
                if isinstance(value, str):
                    s[name] = value.strip()
                else:
                    self.reasons.append(f"metadata {found} {value!r} is not text")
        s["production_partner_ids"] = self._partner_ids(d.production_partner_ids)
        if self.meta.get("etsy_is_supply") is not None:
            flag = _as_bool(self.meta["etsy_is_supply"])
            if flag is None:
                self.reasons.append(
                    f"metadata etsy_is_supply {self.meta['etsy_is_supply']!r} is not true or false"
                )
            else:
                s["is_supply"] = flag

        self.reasons += rules.who_made_reasons(s["who_made"])
        self.reasons += rules.when_made_reasons(s["when_made"], self.today)
        self.reasons += rules.type_reasons(s["type"])
        if s["state"] not in ("draft", "active"):
            self.reasons.append(f"state '{s['state']}' is not one of draft, active")
        if s["taxonomy_id"] is None:
            self.reasons.append(
                "no Etsy category: set listing.taxonomy_id in the configuration, or metadata "
                "etsy_taxonomy_id on the product"
            )
        if s["type"] == "download":
            # shipping and processing do not apply to a digital-only listing
            s["shipping_profile_id"] = s["readiness_state_id"] = None
        else:
            if s["shipping_profile_id"] is None:
                self.reasons.append(
                    "no shipping profile (Etsy requires one for physical listings): set "
                    "listing.shipping_profile_id, or metadata etsy_shipping_profile_id"
                )
            if s["readiness_state_id"] is None:
                self.reasons.append(
                    "no processing profile (Etsy requires one for physical listings): set "
                    "listing.readiness_state_id, or metadata etsy_readiness_state_id"
                )
            if s["return_policy_id"] is None and s["state"] == "active":
                self.warnings.append(
                    "no return policy: Etsy requires one to publish a physical listing unless "
                    "the shop is in the EU (set listing.return_policy_id)"
                )
        if s["state"] == "active" and s["type"] in ("download", "both"):
            self.reasons.append(
                f"a '{s['type']}' listing needs a digital file to be published, which etsysync "
                "cannot upload: use state draft and add the file on Etsy"
            )
        return s

    def _partner_ids(self, configured: list[int]) -> list[int]:
        """metadata etsy_production_partner_ids (a list, or ids separated by commas) wins over
        listing.production_partner_ids. Whether the shop has them is checked at plan time
        (domain/shop.py), where the shop's partners are known."""
        raw = self.meta.get("etsy_production_partner_ids")
        if raw is None:
            return list(configured)
        items = re.split(r"[,|]", raw) if isinstance(raw, str) else raw
        items = items if isinstance(items, list) else [items]
        ids = [_as_int(item) for item in items if not (isinstance(item, str) and not item.strip())]
        if any(i is None or i < 1 for i in ids):
            self.reasons.append(
                f"metadata etsy_production_partner_ids {raw!r} is not a list of production "
                'partner ids (whole numbers, e.g. "3810274" or [3810274])'
            )
            return []
        return list(dict.fromkeys(i for i in ids if i is not None))

    # texts --------------------------------------------------------------------------------------

    def _override_text(self, key: str) -> str | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.reasons.append(f"metadata {key} {value!r} is not text")
            return None
        return value

    def _title(self) -> str:
        override = self._override_text("etsy_title")
        raw = unicodedata.normalize("NFC", override if override is not None else self.product.title)
        visible = rules.without_invisible(raw)
        title = _line(visible)
        if visible != raw:
            hidden = sorted({f"U+{ord(c):04X}" for c in raw if c not in visible})
            self.warnings.append(f"title: invisible characters removed ({', '.join(hidden)})")
        if title != visible:
            self.warnings.append("title: extra spaces removed")
        hint = "" if override is not None else " (fix it in the store, or set metadata etsy_title)"
        self.reasons += [reason + hint for reason in rules.title_reasons(title)]
        return title

    def _description(self, title: str) -> str:
        override = self._override_text("etsy_description")
        for source, text in (
            ("etsy_description", override),
            ("description", self.product.description),
            ("subtitle", self.product.subtitle),
        ):
            if text and _block(text):
                if source == "subtitle":
                    self.warnings.append("no description: the subtitle is used instead")
                return _block(text)
        self.warnings.append("no description: the title is used instead")
        return title

    def _text_list(self, key: str) -> list[str] | None:
        if self.meta.get(key) is None:
            return None
        values = _as_text_list(self.meta[key])
        if values is None:
            self.reasons.append(
                f"metadata {key} must be a list of texts or one comma-separated text"
            )
        return values

    def _tags(self) -> list[str]:
        """The tags Etsy takes. Stores keep more tags than Etsy's 13, and tags Etsy refuses:
        with `listing.extra_tags = "drop"` those are mended or left out with a warning naming
        them (etsy-api.md §6), with `invalid` the product waits until the seller fixes them."""
        override = self._text_list("etsy_tags")
        drop = self.defaults.extra_tags == "drop"
        tags: list[str] = []
        seen: set[str] = set()
        too_long: list[str] = []
        for raw in override if override is not None else self.product.tags:
            tag = _line(raw).replace("\u2019", "'")  # a typographic apostrophe is not accepted
            fixed = rules.tag_fixed(tag) if drop and tag else tag
            if fixed != tag:
                self.warnings.append(
                    f"tag '{_shown(tag)}' is sent as '{fixed}' (Etsy takes only letters, digits, "
                    "spaces, - and ' in tags)"
                    if fixed
                    else f"tag '{_shown(tag)}' left out: Etsy takes none of its characters in a tag"
                )
                tag = fixed
            if not tag:
                continue
            if drop and len(tag) > rules.TAG_MAX_CHARS:
                too_long.append(tag)
                continue
            if tag.casefold() in seen:
                self.warnings.append(f"duplicate tag '{tag}' left out")
                continue
            seen.add(tag.casefold())
            tags.append(tag)
        if too_long:
            self.warnings.append(
                f"tags over {rules.TAG_MAX_CHARS} characters left out (Etsy's limit): "
                + _quoted(too_long)
            )
        if drop and len(tags) > rules.TAGS_MAX:
            extra = tags[rules.TAGS_MAX :]
            tags = tags[: rules.TAGS_MAX]
            self.warnings.append(
                f"Etsy takes at most {rules.TAGS_MAX} tags; left out: {_quoted(extra)}"
            )
        fixes = [] if override is not None else ["fix the tags", "set metadata etsy_tags"]
        fixes += [] if drop else ['set listing.extra_tags = "drop"']
        hint = f" ({', or '.join(fixes)})" if fixes else ""
        self.reasons += [reason + hint for reason in rules.tag_reasons(tags)]
        return tags

    def _materials(self) -> list[str]:
        """The materials Etsy takes: characters it refuses become spaces, and materials over
        its limits are left out, each with a warning (a material is a detail of the listing,
        not what the buyer reads first)."""
        override = self._text_list("etsy_materials")
        if override is None:
            # Medusa has one free-text material; Etsy wants a list
            override = re.split(r"[,;/|]", self.product.material or "")
        materials: list[str] = []
        for raw in override:
            material = _line(raw)
            fixed = rules.material_fixed(material)
            if fixed != material:
                self.warnings.append(
                    f"material '{_shown(material)}' is sent as '{fixed}' (Etsy takes only "
                    "letters, digits and spaces in materials)"
                    if fixed
                    else f"material '{_shown(material)}' left out: Etsy takes none of its "
                    "characters"
                )
            if not fixed or fixed.casefold() in {m.casefold() for m in materials}:
                continue
            if len(fixed) > rules.MATERIAL_MAX_CHARS:
                self.warnings.append(
                    f"material '{fixed}' left out: over {rules.MATERIAL_MAX_CHARS} characters"
                )
                continue
            materials.append(fixed)
        if len(materials) > rules.MATERIALS_MAX:
            extra = materials[rules.MATERIALS_MAX :]
            materials = materials[: rules.MATERIALS_MAX]
            self.warnings.append(
                f"Etsy takes at most {rules.MATERIALS_MAX} materials; left out: {_quoted(extra)}"
            )
        self.reasons += rules.material_reasons(materials)
        return materials

    def _images(self, state: str) -> list[ImageRef]:
        urls = ordered_image_urls(self.product)
        if len(urls) > rules.IMAGES_MAX:
            self.warnings.append(
                f"{len(urls)} images: only the first {rules.IMAGES_MAX} are listed "
                f"(Etsy allows {rules.IMAGES_MAX})"
            )
            urls = urls[: rules.IMAGES_MAX]
        if not urls:
            if state == "active":
                self.reasons.append("no images: Etsy needs at least one to publish a listing")
            else:
                self.warnings.append("no images: Etsy needs at least one to publish the listing")
        return [ImageRef(source=url) for url in urls]

    def _weight(self, listing_type: str) -> tuple[Decimal | None, Any]:
        weight, unit = self.product.weight, self.defaults.weight_unit
        if weight is None or unit == "none" or listing_type == "download":
            return None, None
        if not 0 < weight < _HUGE:
            self.warnings.append(f"weight {weight} is not a usable positive number: not sent")
            return None, None
        return weight, unit

    # variants -----------------------------------------------------------------------------------

    def _note_options_by_position(self) -> None:
        """Values that named no option and could not be told apart by value were matched by
        their place (domain/product.py): right for a catalog written in the options' order,
        so the seller is told which variants it concerns."""
        guessed = [
            _label(v, i)
            for i, v in enumerate(self.product.variants)
            if any(o.matched_by == "position" for o in v.options)
        ]
        if guessed:
            order = " / ".join(_line(o.title) for o in self.product.options)
            more = f" and {len(guessed) - 5} more" if guessed[5:] else ""
            shown = ", ".join(guessed[:5]) + more
            self.warnings.append(
                f"option values of {len(guessed)} variant(s) do not say their option and fit "
                f"more than one, so they are read in the options' order ({order}): {shown}"
            )

    def _dimensions(self) -> list[str]:
        """Variation dimensions: the options variants use, in the product's option order.
        Medusa's "Default option" means "no variants" and is not one."""
        order = [_line(o.title) for o in self.product.options]
        used = {
            _line(o.title or "")
            for v in self.product.variants
            for o in v.options
            if o.title != DEFAULT_OPTION_TITLE
        }
        known = [t for t in dict.fromkeys(order) if t in used]
        return known + sorted(used - set(known), key=lambda t: (t.casefold(), t))

    def _value_order(self, dimension: str, value: str) -> tuple[int, str, str]:
        for option in self.product.options:
            if _line(option.title) == dimension:
                values = [_line(v) for v in option.values]
                if value in values:
                    return (values.index(value), value.casefold(), value)
        return (10**6, value.casefold(), value)  # values the options do not list come last

    def _inventory(self, settings: dict[str, Any]) -> ListingInventory | None:
        variants = self.product.variants
        if not variants:
            self.reasons.append("has no variants, so there is nothing to sell")
            return None
        dims = self._dimensions() if len(variants) > 1 else []  # one variant: no variations
        if len(variants) > 1 and not dims:
            self.reasons.append(f"has {len(variants)} variants but no options that tell them apart")
            return None

        lines = [self._variant_line(v, i, dims) for i, v in enumerate(variants)]
        unknown = [
            line.label for line, v in zip(lines, variants, strict=True) if not stock_is_known(v)
        ]
        if unknown:
            which = "any variant" if len(unknown) == len(lines) else ", ".join(unknown)
            self.reasons.append(
                f"stock is managed but the data carries no stock levels for {which} "
                "(inventory_items or inventory_quantity)"
            )
        self._check_prices(lines)
        complete = [line for line in lines if line.complete]
        distinct = [list(dict.fromkeys(ln.values[i] for ln in complete)) for i in range(len(dims))]
        self.reasons += rules.variation_reasons(list(zip(dims, distinct, strict=True)))
        third = None
        if len(dims) == rules.VARIATIONS_MAX:
            third = self._third_variation(dims[2], distinct[2], settings["taxonomy_id"])
        combos: dict[tuple[str, ...], _Line] = {}
        for line in lines:
            if dims and line.values in combos:
                self.reasons.append(
                    f"variants {combos[line.values].label} and {line.label} have the same options "
                    f"({' / '.join(line.values)})"
                )
            combos.setdefault(line.values, line)
        self.reasons += rules.sku_reasons(line.sku for line in lines)
        cap = _cap_total([line.quantity for line in lines])
        if cap is None:
            self.reasons.append(
                f"has {sum(1 for ln in lines if ln.quantity)} variants in stock; Etsy allows a "
                f"total quantity of {rules.QUANTITY_MAX} per listing"
            )
        if self.reasons or cap is None or len(dims) > rules.VARIATIONS_MAX:
            return None
        if sum(line.quantity for line in lines) > rules.QUANTITY_MAX:
            self.warnings.append(
                f"stock adds up to {sum(ln.quantity for ln in lines)}; Etsy allows "
                f"{rules.QUANTITY_MAX} per listing, so each variant shows at most {cap}"
            )
        lines.sort(
            key=lambda ln: (
                tuple(self._value_order(d, v) for d, v in zip(dims, ln.values, strict=True)),
                ln.sku,
                ln.index,
            )
        )
        return self._build_inventory(lines, dims, cap, settings["readiness_state_id"], third)

    def _third_variation(
        self, option: str, values: list[str], taxonomy_id: int | None
    ) -> ThirdVariation | None:
        """The predefined property a third option becomes (etsy-api.md §10.14), or a reason."""
        if taxonomy_id is None or not values:
            return None  # no category (reported above), or no complete variant
        if self.variation_properties is None:
            self.reasons.append(
                f"option '{option}' would be a third variation, which must be one of the "
                "category's predefined properties, and those were not read"
            )
            return None
        properties = self.variation_properties(taxonomy_id)
        found = match_third(option, values, properties)
        if found is None:
            self.reasons.append(no_third_reason(option, values, properties, taxonomy_id))
            return None
        self.warnings.append(
            f"option '{option}' is listed as Etsy's predefined property '{found.prop.name}' "
            "(a third variation must be one of the category's own properties)"
        )
        return found

    def _variant_line(self, variant: Variant, index: int, dims: list[str]) -> _Line:
        chosen = {_line(o.title or ""): _line(o.value) for o in variant.options}
        for dim in dims:
            if dim not in chosen:
                which = _label(variant, index)
                self.reasons.append(f"variant {which} has no value for option '{dim}'")
        complete = all(dim in chosen for dim in dims)
        price: Decimal | None = None
        amounts = base_prices(variant, self.currency)
        ambiguous = len(amounts) > 1
        if ambiguous:
            shown = ", ".join(str(a) for a in amounts)
            which = _label(variant, index)
            self.reasons.append(
                f"variant {which} has several base prices in {self.currency} ({shown}); etsysync "
                "cannot tell which applies (are the price rules missing from the data?)"
            )
        elif amounts:
            price = apply_pricing(amounts[0], self.defaults, self.currency)
        quantity = sellable_quantity(variant)
        if quantity is None:
            quantity = self.defaults.default_quantity
        if quantity > rules.QUANTITY_MAX:
            which = _label(variant, index)
            self.warnings.append(
                f"variant {which}: stock {quantity} is listed as {rules.QUANTITY_MAX} "
                "(Etsy's maximum)"
            )
            quantity = rules.QUANTITY_MAX
        return _Line(
            variant=variant,
            index=index,
            values=tuple(chosen.get(d, "") for d in dims),
            sku=_line(variant.sku or ""),
            price=price,
            quantity=quantity,
            ambiguous=ambiguous,
            complete=complete,
        )

    def _check_prices(self, lines: list[_Line]) -> None:
        missing = [ln for ln in lines if ln.price is None and not ln.ambiguous]
        if missing and len(missing) == len(lines):
            found = sorted(
                {p.currency_code.upper() for v in self.product.variants for p in v.prices}
            )
            others = f" (it has prices in {', '.join(found)})" if found else ""
            self.reasons.append(f"has no price in {self.currency}{others}")
        else:
            for line in missing:
                self.reasons.append(f"variant {line.label} has no price in {self.currency}")
        for line in lines:
            if line.price is not None and rules.price_reasons(line.price, self.currency):
                label = "price" if len(lines) == 1 else f"price of variant {line.label}"
                self.reasons += rules.price_reasons(line.price, self.currency, label=label)

    def _build_inventory(
        self,
        lines: list[_Line],
        dims: list[str],
        cap: int,
        readiness: int | None,
        third: ThirdVariation | None = None,
    ) -> ListingInventory:
        ids = list(rules.CUSTOM_PROPERTY_IDS[: len(dims)])
        if third is not None:  # the first two stay custom, the third is predefined
            ids = [*rules.CUSTOM_PROPERTY_IDS, third.prop.property_id]
        products = []
        for line in lines:
            assert line.price is not None  # missing prices were reported above
            quantity = min(line.quantity, cap)
            values = [
                PropertyValue(property_id=pid, property_name=dim, values=[value])
                for pid, dim, value in zip(ids[:2], dims, line.values, strict=False)
            ]
            if third is not None:
                known = third.values[line.values[2]]
                values.append(
                    PropertyValue(
                        property_id=third.prop.property_id,
                        property_name=third.prop.name,
                        scale_id=third.scale_id,
                        value_ids=[known.value_id],
                        values=[known.name],
                    )
                )
            products.append(
                InventoryProduct(
                    sku=line.sku,
                    property_values=values,
                    offerings=[
                        Offering(
                            price=line.price,
                            quantity=quantity,
                            is_enabled=quantity > 0,  # out of stock: hidden, never an error
                            readiness_state_id=readiness,
                        )
                    ],
                )
            )
        keys = [line.values for line in lines]
        offerings = [p.offerings[0] for p in products]
        return ListingInventory(
            products=products,
            price_on_property=_varies_on(keys, [o.price for o in offerings], ids),
            quantity_on_property=_varies_on(keys, [o.quantity for o in offerings], ids),
            sku_on_property=_varies_on(keys, [p.sku for p in products], ids),
            readiness_state_on_property=[],
        )


# --- the final check -----------------------------------------------------------------------------


def check_draft(draft: ListingDraft, *, today: date) -> list[str]:
    """Every offline rule, checked on a finished draft (the payload exactly as it will be sent)."""
    reasons = rules.title_reasons(draft.title)
    reasons += rules.description_reasons(draft.description)
    reasons += rules.tag_reasons(draft.tags)
    reasons += rules.material_reasons(draft.materials)
    reasons += rules.who_made_reasons(draft.who_made)
    reasons += rules.when_made_reasons(draft.when_made, today)
    reasons += rules.type_reasons(draft.type)
    for name in ("taxonomy_id", "shipping_profile_id", "return_policy_id", "readiness_state_id"):
        reasons += rules.id_reasons(name, getattr(draft, name))
    if draft.type != "download" and draft.shipping_profile_id is None:
        reasons.append("a physical listing needs a shipping profile")
    if draft.state == "active" and not draft.images:
        reasons.append("an active listing needs at least one image")
    reasons += rules.weight_reasons(draft.item_weight, draft.item_weight_unit)
    reasons += rules.price_reasons(draft.price, draft.currency_code)
    reasons += rules.listing_quantity_reasons(draft.quantity)
    reasons += rules.image_count_reasons(len(draft.images))
    reasons += _inventory_reasons(draft)
    return reasons


def _inventory_reasons(draft: ListingDraft) -> list[str]:
    inventory = draft.inventory
    if not inventory.products:
        return ["the inventory has no products"]
    reasons: list[str] = []
    shapes = {tuple(v.property_id for v in p.property_values) for p in inventory.products}
    if len(shapes) != 1:
        return ["inventory products do not all have the same variation properties"]
    ids = list(shapes.pop())
    if any(len(v.values) != 1 for p in inventory.products for v in p.property_values):
        return ["each variation property value needs exactly one value"]
    custom, third = ids[:2], ids[2:]
    if (
        any(pid not in rules.CUSTOM_PROPERTY_IDS for pid in custom)
        or len(set(ids)) != len(ids)
        or any(pid in rules.CUSTOM_PROPERTY_IDS for pid in third)
    ):
        reasons.append(
            f"variation properties {ids} are not Etsy's custom properties 513/514 followed by "
            "at most one predefined property"
        )
    if third and any(not p.property_values[2].value_ids for p in inventory.products):
        reasons.append("a third variation takes predefined values only (each needs its id)")
    names = [v.property_name or "" for v in inventory.products[0].property_values]
    values = [
        list(dict.fromkeys(p.property_values[i].values[0] for p in inventory.products))
        for i in range(len(ids))
    ]
    reasons += rules.variation_reasons(list(zip(names, values, strict=True)))
    keys = [tuple(v.values[0] for v in p.property_values) for p in inventory.products]
    if len(set(keys)) != len(keys):
        reasons.append("two inventory products have the same variation values")
    reasons += rules.sku_reasons(p.sku for p in inventory.products)
    total = 0
    for product in inventory.products:
        if len(product.offerings) != 1:
            reasons.append("each inventory product needs exactly one offering")
            continue
        offering = product.offerings[0]
        reasons += rules.offering_quantity_reasons(offering.quantity)
        reasons += rules.price_reasons(offering.price, draft.currency_code)
        total += offering.quantity if offering.is_enabled else 0
    if total > rules.QUANTITY_MAX:
        reasons.append(f"inventory quantities add up to {total}; Etsy allows {rules.QUANTITY_MAX}")
    for name in ("price_on_property", "quantity_on_property", "sku_on_property"):
        listed = getattr(inventory, name)
        if listed not in ([], ids) and not (len(listed) == 1 and listed[0] in ids):
            reasons.append(f"{name} must name none, one or all of the variation properties")
    return reasons
