"""One logical catalog for the source contract (test_source_contract.py), and how each source
holds it: a JSON / JSON Lines catalog in the hand-written form README documents, a CSV catalog
with one row per variant, and Medusa v2 `GET /admin/products` objects shaped like the recorded
responses in tests/fixtures/medusa (served by tests/medusa/fake_medusa.py).

The catalog is written in id order: Medusa lists by id (`order=id`), a file keeps its own order,
so only a catalog in id order can come out in the same order from both.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

SHOP_CURRENCY = "EUR"
IMAGE_DIR = "images"  # beside the catalog file; Medusa serves the same names under /static/
BERLIN = "sloc_01M8G23B9YFGSE0S0523CC7K7T"  # the recorded stock locations
LEIPZIG = "sloc_01M8G23BE615QVW8QYGMW782SS"
DEFAULT_CHANNEL = {"id": "sc_01M8G23047GK8QKRBHRVD4THMC", "name": "Default Sales Channel"}
MEDUSA_DEFAULT_OPTION = ("Default option", "Default option value")  # a product without variants
STAMP = "2026-11-28T03:10:12.698Z"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24  # the files are never decoded by a source


@dataclass(frozen=True)
class Variant:
    id: str
    title: str
    sku: str
    options: dict[str, str]  # option title -> value; {} for a product without variations
    prices: dict[str, str]  # currency -> amount in major units, as text ("twelve": not a number)
    stock: int | None  # what can be sold; None: stock is not managed


@dataclass(frozen=True)
class Case:
    id: str
    handle: str
    title: str
    description: str
    variants: tuple[Variant, ...]
    subtitle: str | None = None
    status: str = "published"
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (title, values) in the seller's order
    images: tuple[str, ...] = ()  # file names in display order; the first is the thumbnail
    tags: tuple[str, ...] = ()
    material: str | None = None
    weight: str | None = None
    metadata: dict[str, Any] | None = None
    is_giftcard: bool = False
    bad: bool = False  # the source must report it as a BadProduct
    cannot: dict[str, str] = field(default_factory=dict)  # source kind -> why it cannot hold it

    def __str__(self) -> str:
        return self.handle


def _v(
    id_: str,
    title: str,
    sku: str,
    options: dict[str, str],
    eur: str,
    usd: str | None,
    stock: int | None,
) -> Variant:
    prices = {"EUR": eur} | ({"USD": usd} if usd is not None else {})
    return Variant(f"variant_{id_}", title, sku, options, prices, stock)


CATALOG: tuple[Case, ...] = (
    Case(
        id="prod_01CONTRACT01WALNUTBOARD",
        handle="walnut-serving-board",
        title="Walnut Serving Board",
        description="Solid black walnut, oiled with food-safe linseed oil. 45 x 20 cm.",
        variants=(_v("01WSB45", "Default variant", "WSB-45", {}, "120", "135", 6),),
        tags=("walnut", "kitchen"),
        material="Walnut wood",
        weight="1200",
    ),
    Case(
        id="prod_01CONTRACT02LINENTEE",
        handle="linen-tee",
        title="Hand-Dyed Linen T-Shirt",
        subtitle="Indigo or rust, plant-dyed",
        description='A relaxed-fit T-shirt in "stonewashed" linen, dyed by hand.\n\n'
        "Each piece is dyed individually, so shades vary slightly.",
        options=(("Size", ("S", "M")), ("Color", ("Indigo", "Rust"))),
        variants=(
            _v(
                "01LTSIND",
                "S / Indigo",
                "LT-S-IND",
                {"Size": "S", "Color": "Indigo"},
                "38",
                "41.99",
                5,
            ),
            _v(
                "02LTSRST", "S / Rust", "LT-S-RST", {"Size": "S", "Color": "Rust"}, "40", "43.99", 0
            ),
            _v(
                "03LTMIND",
                "M / Indigo",
                "LT-M-IND",
                {"Size": "M", "Color": "Indigo"},
                "38",
                "41.99",
                7,
            ),
            _v(
                "04LTMRST",
                "M / Rust",
                "LT-M-RST",
                {"Size": "M", "Color": "Rust"},
                "40.50",
                "44.5",
                3,
            ),
        ),
        tags=("linen", "hand dyed", "t-shirt"),
        material="Linen",
        weight="180",
        metadata={"who_made": "i_did", "when_made": "made_to_order"},
    ),
    Case(
        id="prod_01CONTRACT03BUDVASE",
        handle="speckled-bud-vase",
        title="Speckled Bud Vase",
        description="Wheel-thrown stoneware, speckled glaze.",
        variants=(_v("01VASE", "Default variant", "VASE-1", {}, "24.50", "27", None),),
        images=("vase-front.png", "vase-side.png", "vase-top.png"),
        tags=("vase",),
    ),
    Case(
        id="prod_01CONTRACT04SPOONREST",
        handle="spoon-rest",
        title="Ceramic Spoon Rest",
        description="Its price is a word, not a number.",
        variants=(_v("01SPOON", "Default variant", "SPN-1", {}, "twelve", None, 4),),
        bad=True,
    ),
    Case(
        id="prod_01CONTRACT05TEAPOT",
        handle="glazed-stoneware-teapot",
        title="Glazed Stoneware Teapot",
        description="Holds 800 ml. Not yet for sale.",
        status="draft",
        variants=(_v("01TEAPOT", "Default variant", "TEA-800", {}, "85", "95", 2),),
        images=("teapot.png",),
    ),
    Case(
        id="prod_01CONTRACT06GIFTCARD",
        handle="studio-gift-card",
        title="Studio Gift Card",
        description="Spend it on anything in the studio.",
        options=(("Value", ("25", "50")),),
        variants=(
            _v("01GIFT25", "25", "GIFT-25", {"Value": "25"}, "25", None, None),
            _v("02GIFT50", "50", "GIFT-50", {"Value": "50"}, "50", None, None),
        ),
        is_giftcard=True,
        cannot={"file-csv": "a CSV catalog has no column for is_giftcard"},
    ),
    Case(
        id="prod_01CONTRACT07GICLEE",
        handle="botanical-giclee-print",
        title="Botanical Giclée Print \u2013 Fern & Frond",  # non-ASCII, an en dash
        description="Archival pigment print on cotton rag paper.",
        options=(("Size", ("A4", "A3")),),
        variants=(
            _v("01PRTA4", "A4", "PRT-FERN-A4", {"Size": "A4"}, "35", "39", None),
            _v("02PRTA3", "A3", "PRT-FERN-A3", {"Size": "A3"}, "55", "61.5", None),
        ),
        images=("print-fern.png", "print-frame.png"),
        metadata={
            "etsy_taxonomy_id": 1633,
            "etsy_title": "Fern giclée print, botanical wall art",
            "etsy_tags": ["fern", "botanical print"],
            "etsy_is_supply": False,
            "who_made": "i_did",
            "when_made": "2020_2025",
        },
    ),
)


def cases(kind: str) -> list[Case]:
    """The cases a source of this kind holds, in catalog order."""
    return [case for case in CATALOG if kind not in case.cannot]


# --- files ---------------------------------------------------------------------------------------


def _number(text: str) -> Any:
    """A JSON number for an amount (int when whole), or the text when it is not a number."""
    try:
        amount = Decimal(text)
    except ArithmeticError:
        return text
    return int(amount) if amount == amount.to_integral_value() else Decimal(text)


def _json_default(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value)  # shortest repr: 41.99 is written 41.99
    raise TypeError(type(value).__name__)


def file_product(case: Case) -> dict[str, Any]:
    """The hand-written JSON shape (README, Catalog files): shorthands, paths relative to the file,
    published and non-gift-card products saying neither."""
    raw: dict[str, Any] = {"id": case.id, "handle": case.handle, "title": case.title}
    if case.subtitle:
        raw["subtitle"] = case.subtitle
    raw["description"] = case.description
    if case.status != "published":
        raw["status"] = case.status
    if case.images:
        raw["thumbnail"] = f"{IMAGE_DIR}/{case.images[0]}"
        raw["images"] = [f"{IMAGE_DIR}/{name}" for name in case.images[1:]]
    if case.tags:
        raw["tags"] = list(case.tags)
    if case.material:
        raw["material"] = case.material
    if case.weight:
        raw["weight"] = _number(case.weight)
    if case.metadata is not None:
        raw["metadata"] = case.metadata
    if case.is_giftcard:
        raw["is_giftcard"] = True
    if case.options:
        raw["options"] = [{"title": t, "values": list(values)} for t, values in case.options]
    raw["variants"] = []
    for variant in case.variants:
        item: dict[str, Any] = {"id": variant.id, "title": variant.title, "sku": variant.sku}
        if variant.options:
            item["options"] = dict(variant.options)
        item["prices"] = [
            {"amount": _number(amount), "currency_code": currency.lower()}
            for currency, amount in variant.prices.items()
        ]
        if variant.stock is None:
            item["manage_inventory"] = False
        else:
            item["inventory_quantity"] = variant.stock
        raw["variants"].append(item)
    return raw


CSV_HEADER = [
    "handle",
    "id",
    "title",
    "subtitle",
    "description",
    "status",
    "thumbnail",
    "images",
    "tags",
    "material",
    "weight",
    "metadata",
    "variant_id",
    "variant_title",
    "sku",
    "option1_name",
    "option1_value",
    "option2_name",
    "option2_value",
    "price",
    "currency",
    "price_usd",
    "quantity",
    "manage_inventory",
]


def _csv_rows(case: Case) -> list[dict[str, str]]:
    """One row per variant; product columns and option names on the first row only."""
    names = [title for title, _values in case.options]
    rows = []
    for index, variant in enumerate(case.variants):
        row = {column: "" for column in CSV_HEADER}
        row.update(handle=case.handle, variant_id=variant.id, variant_title=variant.title)
        row.update(sku=variant.sku, price=variant.prices["EUR"], currency="EUR")
        row["price_usd"] = variant.prices.get("USD", "")
        if variant.stock is None:
            row["manage_inventory"] = "false"
        else:
            row["quantity"] = str(variant.stock)
        for slot, name in enumerate(names, 1):
            row[f"option{slot}_value"] = variant.options[name]
            if index == 0:
                row[f"option{slot}_name"] = name
        if index == 0:
            row.update(id=case.id, title=case.title, description=case.description)
            row.update(subtitle=case.subtitle or "", material=case.material or "")
            row.update(weight=case.weight or "")
            row["status"] = "" if case.status == "published" else case.status
            if case.images:
                row["thumbnail"] = f"{IMAGE_DIR}/{case.images[0]}"
                row["images"] = "|".join(f"{IMAGE_DIR}/{name}" for name in case.images[1:])
            row["tags"] = "|".join(case.tags)
            if case.metadata is not None:
                row["metadata"] = json.dumps(case.metadata, ensure_ascii=False)
        rows.append(row)
    return rows


def write_catalog(kind: str, folder: Path) -> Path:
    """The catalog as a file of this kind (file-json, file-jsonl, file-csv), with its images."""
    held = cases(kind)
    (folder / IMAGE_DIR).mkdir(parents=True)
    for case in held:
        for name in case.images:
            (folder / IMAGE_DIR / name).write_bytes(PNG)
    products = [file_product(case) for case in held]
    if kind == "file-json":
        path = folder / "catalog.json"
        text = json.dumps({"products": products}, indent=2, default=_json_default)
        path.write_text(text + "\n", encoding="utf-8")
    elif kind == "file-jsonl":
        path = folder / "catalog.jsonl"
        lines = [json.dumps(p, ensure_ascii=False, default=_json_default) for p in products]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif kind == "file-csv":
        path = folder / "catalog.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=CSV_HEADER)
            writer.writeheader()
            for case in held:
                writer.writerows(_csv_rows(case))
    else:
        raise ValueError(kind)
    return path


# --- Medusa v2 -----------------------------------------------------------------------------------


def _levels(stock: int) -> list[dict[str, Any]]:
    """`stock` sellable, split over the two recorded locations, one unit reserved in Berlin."""
    berlin = stock // 2
    leipzig = stock - berlin
    return [
        {
            "location_id": BERLIN,
            "stocked_quantity": berlin + 1,
            "reserved_quantity": 1,
            "available_quantity": berlin,
        },
        {
            "location_id": LEIPZIG,
            "stocked_quantity": leipzig,
            "reserved_quantity": 0,
            "available_quantity": leipzig,
        },
    ]


def _amount(text: str) -> Any:
    try:
        return Decimal(text)  # served as a JSON number by the fake
    except ArithmeticError:
        return text


def medusa_product(case: Case, base_url: str) -> dict[str, Any]:
    """The product as Medusa 2.x answers `GET /admin/products` with the source's `fields`.

    As a real store does: a product without variants has Medusa's "Default option"; images are
    absolute URLs sorted by rank, while the thumbnail is relative to the backend (a local file
    provider); amounts are JSON numbers in major units; stock is in inventory items' levels."""
    pid = case.id.removeprefix("prod_")
    options = case.options or ((MEDUSA_DEFAULT_OPTION[0], (MEDUSA_DEFAULT_OPTION[1],)),)
    option_ids = {title: f"opt_{pid}{n}" for n, (title, _values) in enumerate(options)}
    value_ids = {
        (title, value): f"optval_{pid}{n}{m}"
        for n, (title, values) in enumerate(options)
        for m, value in enumerate(values)
    }
    images = [
        {
            "id": f"img_{pid}{rank}",
            "url": f"{base_url}/static/{name}",
            "metadata": None,
            "rank": rank,
            "product_id": case.id,
            "created_at": STAMP,
            "updated_at": STAMP,
            "deleted_at": None,
        }
        for rank, name in enumerate(case.images)
    ]

    def option_value(title: str, value: str) -> dict[str, Any]:
        return {
            "id": value_ids[(title, value)],
            "value": value,
            "rank": None,
            "metadata": None,
            "option_id": option_ids[title],
            "created_at": STAMP,
            "updated_at": STAMP,
            "deleted_at": None,
        }

    variants = []
    for variant in case.variants:
        chosen = variant.options or {MEDUSA_DEFAULT_OPTION[0]: MEDUSA_DEFAULT_OPTION[1]}
        items = []
        if variant.stock is not None:
            items = [
                {
                    "required_quantity": 1,
                    "variant_id": variant.id,
                    "inventory_item_id": f"iitem_{variant.id.removeprefix('variant_')}",
                    "inventory": {
                        "id": f"iitem_{variant.id.removeprefix('variant_')}",
                        "location_levels": _levels(variant.stock),
                    },
                }
            ]
        variants.append(
            {
                "id": variant.id,
                "title": variant.title,
                "sku": variant.sku,
                "barcode": None,
                "ean": None,
                "upc": None,
                "allow_backorder": False,
                "manage_inventory": variant.stock is not None,
                "hs_code": None,
                "origin_country": None,
                "mid_code": None,
                "material": None,
                "weight": None,
                "length": None,
                "height": None,
                "width": None,
                "metadata": None,
                "variant_rank": 0,
                "thumbnail": None,
                "product_id": case.id,
                "created_at": STAMP,
                "updated_at": STAMP,
                "deleted_at": None,
                "images": images,
                "options": [
                    {
                        **option_value(title, value),
                        "option": {
                            "id": option_ids[title],
                            "title": title,
                            "is_exclusive": True,
                            "metadata": None,
                            "created_at": STAMP,
                            "updated_at": STAMP,
                            "deleted_at": None,
                        },
                    }
                    for title, value in chosen.items()
                ],
                "inventory_items": items,
                "prices": [
                    {
                        "id": f"price_{variant.id.removeprefix('variant_')}{currency}",
                        "amount": _amount(amount),
                        "currency_code": currency.lower(),
                        "min_quantity": None,
                        "max_quantity": None,
                        "variant_id": variant.id,
                        "created_at": STAMP,
                        "updated_at": STAMP,
                        "rules": {},
                    }
                    for currency, amount in variant.prices.items()
                ],
            }
        )
    return {
        "id": case.id,
        "title": case.title,
        "subtitle": case.subtitle,
        "status": case.status,
        "external_id": None,
        "description": case.description,
        "handle": case.handle,
        "is_giftcard": case.is_giftcard,
        "discountable": not case.is_giftcard,
        "thumbnail": f"/static/{case.images[0]}" if case.images else None,
        "collection_id": None,
        "type_id": None,
        "weight": _amount(case.weight) if case.weight else None,
        "length": None,
        "height": None,
        "width": None,
        "hs_code": None,
        "origin_country": None,
        "mid_code": None,
        "material": case.material,
        "created_at": STAMP,
        "updated_at": STAMP,
        "deleted_at": None,
        "metadata": case.metadata,
        "type": None,
        "collection": None,
        "options": [
            {
                "id": option_ids[title],
                "title": title,
                "is_exclusive": True,
                "metadata": None,
                "created_at": STAMP,
                "updated_at": STAMP,
                "deleted_at": None,
                "values": [option_value(title, value) for value in values],
            }
            for title, values in options
        ],
        "tags": [
            {
                "id": f"ptag_{pid}{n}",
                "value": tag,
                "external_id": None,
                "metadata": None,
                "created_at": STAMP,
                "updated_at": STAMP,
                "deleted_at": None,
            }
            for n, tag in enumerate(case.tags)
        ],
        "images": images,
        "sales_channels": [DEFAULT_CHANNEL],
        "variants": variants,
    }
