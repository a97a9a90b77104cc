"""The product every source produces: the MedusaJS v2 product shape, read tolerantly.

Medusa's `GET /admin/products` objects validate as they are (unknown keys are ignored). Hand-written
catalog files may use simpler forms, accepted too:

- option values as plain strings (`"values": ["S", "M"]`) instead of `[{"value": "S"}]`;
- a variant's options as a dict (`{"Size": "S"}`) instead of `[{"value", "option": {"title"}}]`;
- images and tags as plain strings; prices as numbers or strings;
- stock as `inventory_quantity` instead of `inventory_items[].inventory.location_levels[]`;
- a variant's option values without their option (`[{"value": "S"}, {"value": "Sand"}]`): each
  is matched to the product's options by value when it belongs to exactly one of them, else all
  by position when the variant has one value per option (`resolve_option_titles`).

Prices are decimals in major units (120 is 120.00; never divided by 100). Read JSON with
`parse_float=Decimal`; a float that still arrives is converted through its shortest repr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from etsysync_cli.domain import canonical as canon
from etsysync_cli.domain.canonical import canonical_json

DEFAULT_OPTION_TITLE = "Default option"  # Medusa's marker for "a product without variants"


def _none_as_empty(value: Any) -> Any:
    return [] if value is None else value


def _scalar_as_text(value: Any) -> Any:
    # Hand-written files say {"Value": 25}; int/Decimal to str, but never bool ("True" is a bug)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    return value


def _float_as_decimal(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))  # 41.99 stays 41.99, not 41.99000000000000198951966012828052
    return value


Text = Annotated[str, BeforeValidator(_scalar_as_text)]
OptionalText = Annotated[str | None, BeforeValidator(_scalar_as_text)]
Amount = Annotated[Decimal, BeforeValidator(_float_as_decimal), Field(allow_inf_nan=False)]
OptionalAmount = Amount | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Price(_Model):
    amount: Amount
    currency_code: str
    rules: dict[str, Any] | None = None
    min_quantity: OptionalAmount = None
    max_quantity: OptionalAmount = None

    @property
    def is_base(self) -> bool:
        """The plain price: no rules (region, customer group) and no quantity tier."""
        return not self.rules and self.min_quantity is None and self.max_quantity is None


class LocationLevel(_Model):
    location_id: str | None = None
    stocked_quantity: int | None = None
    reserved_quantity: int | None = None
    available_quantity: int | None = None

    def available(self) -> int:
        if self.available_quantity is not None:
            return self.available_quantity
        return (self.stocked_quantity or 0) - (self.reserved_quantity or 0)


class Inventory(_Model):
    location_levels: Annotated[list[LocationLevel], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list
    )


class InventoryItem(_Model):
    required_quantity: Annotated[
        int, BeforeValidator(lambda v: 1 if v is None else v), Field(ge=1)
    ] = 1
    inventory: Inventory | None = None


class VariantOption(_Model):
    title: str | None = None  # the option's title, lifted from Medusa's nested `option`
    value: Text
    option_id: str | None = None
    # "position" when the value named no option and was matched by its place (a guess the
    # seller is warned about); never dumped, so fingerprints ignore it
    matched_by: Literal["position"] | None = Field(None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _lift_option_title(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("title") is None:
            option = data.get("option")
            if isinstance(option, dict) and isinstance(option.get("title"), str):
                return {**data, "title": option["title"]}
        return data


def _variant_options(value: Any) -> Any:
    if isinstance(value, dict):  # {"Size": "S"} in hand-written files
        return [{"title": title, "value": v} for title, v in value.items()]
    return _none_as_empty(value)


class Variant(_Model):
    id: str | None = None
    title: OptionalText = None
    sku: OptionalText = None
    options: Annotated[list[VariantOption], BeforeValidator(_variant_options)] = Field(
        default_factory=list
    )
    prices: Annotated[list[Price], BeforeValidator(_none_as_empty)] = Field(default_factory=list)
    manage_inventory: bool | None = None  # missing: managed if stock data is given
    allow_backorder: bool | None = None
    inventory_quantity: int | None = None
    inventory_items: list[InventoryItem] | None = None

    @property
    def is_managed(self) -> bool:
        if self.manage_inventory is not None:
            return self.manage_inventory
        return self.inventory_quantity is not None or bool(self.inventory_items)


def _value_strings(value: Any) -> Any:
    items = _none_as_empty(value)
    if not isinstance(items, list):
        return items
    return [v.get("value") if isinstance(v, dict) else v for v in items]


class ProductOption(_Model):
    id: str | None = None
    title: Text
    values: Annotated[list[Text], BeforeValidator(_value_strings)] = Field(default_factory=list)


class ProductImage(_Model):
    url: str
    rank: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"url": data} if isinstance(data, str) else data


def _named(option: Any, titles: dict[Any, Any]) -> Any:
    if isinstance(option, dict) and _unnamed(option):
        title = titles.get(option.get("option_id"))
        if isinstance(title, str):
            return {**option, "title": title}
    return option


def _unnamed(option: dict[str, Any]) -> bool:
    nested = option.get("option")
    return not option.get("title") and not (isinstance(nested, dict) and nested.get("title"))


def _key(value: Any) -> str:
    return " ".join(str(value).split())


def _title_of(option: dict[str, Any]) -> str:
    return _key(option.get("title") or option["option"]["title"])


def resolve_option_titles(
    values: list[Any], options: list[tuple[str, list[str]]]
) -> list[Any] | None:
    """Name a variant's option values that do not say which option they belong to.

    `values`: the variant's option objects (dicts; named ones are kept as they are); `options`:
    the product's (title, values). Each unnamed value goes to the one remaining option that lists
    it (exactly, else ignoring case); failing that, when the variant has one value per option,
    every value takes the option at its place (`matched_by: "position"`). None when neither
    works (or nothing needed naming, or the values are not all objects)."""
    if not all(isinstance(v, dict) for v in values) or not any(_unnamed(v) for v in values):
        return None
    named = {_title_of(v) for v in values if not _unnamed(v)}
    free = [(title, listed) for title, listed in options if _key(title) not in named]
    by_value: list[Any] = []
    for value in values:
        if not _unnamed(value):
            by_value.append(value)
            continue
        wanted = _key(value.get("value"))
        found = [t for t, listed in free if wanted in {_key(x) for x in listed}]
        if not found:
            found = [t for t, vs in free if wanted.casefold() in {_key(x).casefold() for x in vs}]
        by_value.append({**value, "title": found[0]} if len(found) == 1 else None)
    if None not in by_value:
        titles = [_title_of(v) for v in by_value]
        if len(set(titles)) == len(titles):  # two values may not claim the same option
            return by_value
    if len(values) != len(options):
        return None
    by_place = []
    for value, (title, _) in zip(values, options, strict=True):
        if not _unnamed(value):
            if _title_of(value) != _key(title):
                return None  # a named value sits at another option's place: no guessing
            by_place.append(value)
        else:
            by_place.append({**value, "title": title, "matched_by": "position"})
    return by_place


def _option_list(options: list[Any]) -> list[tuple[str, list[str]]]:
    listed = []
    for option in options:
        if isinstance(option, dict) and isinstance(option.get("title"), str | int):
            values = _value_strings(option.get("values"))
            values = values if isinstance(values, list) else []
            listed.append((str(option["title"]), [str(v) for v in values if v is not None]))
    return listed


class Product(_Model):
    id: str | None = None
    handle: str | None = None
    title: Text
    subtitle: OptionalText = None
    description: OptionalText = None
    status: Annotated[str, BeforeValidator(lambda v: "published" if v is None else v)] = "published"
    thumbnail: str | None = None
    images: Annotated[list[ProductImage], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list
    )
    tags: Annotated[list[Text], BeforeValidator(_value_strings)] = Field(default_factory=list)
    material: OptionalText = None
    weight: OptionalAmount = None
    metadata: dict[str, Any] | None = None
    options: Annotated[list[ProductOption], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list
    )
    variants: Annotated[list[Variant], BeforeValidator(_none_as_empty)] = Field(
        default_factory=list
    )
    is_giftcard: bool | None = None
    updated_at: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _name_variant_options(cls, data: Any) -> Any:
        # A Medusa variant option may carry only `option_id`: name it from the product's options.
        if not isinstance(data, dict):
            return data
        options, variants = data.get("options"), data.get("variants")
        if not isinstance(options, list) or not isinstance(variants, list):
            return data
        titles = {o["id"]: o.get("title") for o in options if isinstance(o, dict) and o.get("id")}
        listed = _option_list(options)
        named = []
        for variant in variants:
            if isinstance(variant, dict) and isinstance(variant.get("options"), list):
                values = [_named(o, titles) for o in variant["options"]]
                values = resolve_option_titles(values, listed) or values
                variant = {**variant, "options": values}
            named.append(variant)
        return {**data, "variants": named}

    @model_validator(mode="after")
    def _check(self) -> Product:
        if not self.id and not self.handle:
            raise ValueError("the product has neither an id nor a handle")
        for index, variant in enumerate(self.variants):
            for option in variant.options:
                if option.title is None:
                    label = variant.sku or variant.id or variant.title or f"#{index + 1}"
                    raise ValueError(
                        f"variant {label}: option value '{option.value}' does not say which "
                        "option it belongs to"
                    )
        return self

    @property
    def key(self) -> str:
        """The product's identity in links and plans: Medusa's id, or the handle in files."""
        return self.id or self.handle or ""

    @property
    def meta(self) -> dict[str, Any]:
        return self.metadata or {}


@dataclass(frozen=True)
class BadProduct:
    """A product that could not be read: shown as `invalid` in the plan, never sent."""

    ref: str  # id or handle when known, else where it was found
    where: str  # "line 12", "rows 5-7", "products[3]"
    reasons: list[str] = field(default_factory=list)
    title: str | None = None


ProductResult = Product | BadProduct


def parse_product(raw: object, *, where: str) -> ProductResult:
    """Validate one product; a bad one comes back as a BadProduct with every reason."""
    if not isinstance(raw, dict):
        return BadProduct(ref=where, where=where, reasons=[f"{where} is not a JSON object"])
    try:
        return Product.model_validate(raw)
    except ValidationError as exc:
        ref = next((str(raw[k]) for k in ("id", "handle") if raw.get(k)), where)
        title = raw.get("title") if isinstance(raw.get("title"), str) else None
        return BadProduct(ref=ref, where=where, reasons=_plain_errors(exc), title=title)


def _plain_errors(exc: ValidationError) -> list[str]:
    reasons = []
    for error in exc.errors(include_url=False):
        path = ""
        for part in error["loc"]:
            path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
        message = error["msg"].removeprefix("Value error, ")
        given = error.get("input")
        if isinstance(given, str | int | float | Decimal) and len(str(given)) <= 40 and path:
            message += f" (got {given!r})"
        reasons.append(f"{path}: {message}" if path else message)
    return reasons


# --- stock and price ----------------------------------------------------------------------------


def stock_is_known(variant: Variant) -> bool:
    """False when stock is managed but the data carries no stock at all (e.g. Medusa's default
    fields omit inventory_items): listing such a variant as sold out would be a guess."""
    return (
        not variant.is_managed
        or variant.inventory_items is not None
        or variant.inventory_quantity is not None
    )


def sellable_quantity(variant: Variant) -> int | None:
    """How many of the variant can be sold; None when stock is not managed (use the default).

    Per inventory item: floor(sum of available over all locations / required_quantity); the
    variant's quantity is the minimum over its items (a kit needs every part). Available is
    stocked - reserved when the level does not say. Managed with no stock levels means 0.
    """
    if not variant.is_managed:
        return None
    if variant.inventory_items:
        per_item = []
        for item in variant.inventory_items:
            levels = item.inventory.location_levels if item.inventory else []
            available = max(sum(level.available() for level in levels), 0)
            per_item.append(available // item.required_quantity)
        return min(per_item)
    return max(variant.inventory_quantity or 0, 0)


def base_prices(variant: Variant, currency: str) -> list[Decimal]:
    """The variant's distinct base prices in `currency` (case-insensitive), lowest first.

    More than one means the data cannot say which applies (e.g. price rules not selected)."""
    wanted = currency.casefold()
    amounts = {
        p.amount for p in variant.prices if p.is_base and p.currency_code.casefold() == wanted
    }
    return sorted(amounts)


def ordered_image_urls(product: Product) -> list[str]:
    """Thumbnail first (when set), then images by rank (unranked keep their file order)."""
    ranked = sorted(
        enumerate(product.images),
        key=lambda pair: (pair[1].rank if pair[1].rank is not None else pair[0], pair[0]),
    )
    urls = [product.thumbnail] if product.thumbnail else []
    urls += [image.url for _, image in ranked]
    return list(dict.fromkeys(u for u in urls if u))  # drop repeats, keep the first place


# --- change detection ----------------------------------------------------------------------------


def fingerprint(product: Product) -> str:
    """A stable hash of what the listing is made from: ignores updated_at, the order of variants
    and prices, and stock data that does not change a sellable quantity.

    The text hashed is the canonical JSON of the product's fields (as `model_dump` gives them)
    with its images in order, its tags sorted and its variants as sorted canonical JSON texts,
    each with its prices as sorted canonical JSON texts. It is written here field by field, keys
    in sorted order: a dump and an encoder pass per price, per variant and per product were a
    tenth of a large plan. tests/mapping/test_fingerprint_stability.py proves the text is the
    same as the generic one, byte for byte, for any product."""
    p = product
    variants = sorted(_variant_json(v) for v in p.variants)
    canonical = (
        f'{{"description":{canon.text(p.description)},"handle":{canon.text(p.handle)},'
        f'"id":{canon.text(p.id)},"images":{canon.texts(ordered_image_urls(p))},'
        f'"is_giftcard":{canon.flag(p.is_giftcard)},"material":{canon.text(p.material)},'
        f'"metadata":{"null" if p.metadata is None else canonical_json(p.metadata)},'
        f'"options":[{",".join(_option_json(o) for o in p.options)}],'
        f'"status":{canon.text(p.status)},"subtitle":{canon.text(p.subtitle)},'
        f'"tags":{canon.texts(sorted(p.tags))},"title":{canon.text(p.title)},'
        f'"variants":{canon.texts(variants)},"weight":{canon.amount(p.weight)}}}'
    )
    return canon.digest(canonical)


def _variant_json(v: Variant) -> str:
    options = ",".join(
        f"[{canon.json_text(title)},{canon.json_text(value)}]"
        for title, value in sorted((o.title or "", o.value) for o in v.options)
    )
    return (
        f'{{"id":{canon.text(v.id)},"known":{canon.flag(stock_is_known(v))},'
        f'"managed":{canon.flag(v.is_managed)},"options":[{options}],'
        f'"prices":{canon.texts(sorted(_price_json(p) for p in v.prices))},'
        f'"quantity":{canon.number(sellable_quantity(v))},'
        f'"sku":{canon.text(v.sku)},"title":{canon.text(v.title)}}}'
    )


def _price_json(p: Price) -> str:
    rules = "null" if p.rules is None else canonical_json(p.rules)
    return (
        f'{{"amount":{canon.amount(p.amount)},'
        f'"currency_code":{canon.json_text(p.currency_code)},'
        f'"max_quantity":{canon.amount(p.max_quantity)},'
        f'"min_quantity":{canon.amount(p.min_quantity)},"rules":{rules}}}'
    )


def _option_json(o: ProductOption) -> str:
    title, values = canon.json_text(o.title), canon.texts(o.values)
    return f'{{"id":{canon.text(o.id)},"title":{title},"values":{values}}}'
