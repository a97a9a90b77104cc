"""The file source: a JSON, JSON Lines or CSV catalog on disk, and the images it names.

Formats, by extension:

- `.json`: `{"products": [...]}` (a page saved from Medusa's `GET /admin/products`) or a bare list
  of products in the Medusa v2 product shape (see `sources/product.py`). Read whole.
- `.jsonl` / `.ndjson`: one product object per line (or one `{"products": [...]}` page per line);
  read line by line, never whole.
- `.csv`: one row per variant, a product's rows together (grouped by consecutive `handle`);
  product columns are read from a product's first row (later rows may leave them empty).
  The columns are `CSV_COLUMNS` below. Read row by row.

A malformed file (invalid JSON, a wrong top-level shape, a CSV without its required columns or
with broken quoting) stops with one `SourceError` naming the line or row. A bad product does not:
it comes out as a `BadProduct` with its reasons and the others carry on.

Image paths that are not http(s) URLs are taken relative to the catalog file and made absolute.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from etsysync_cli.domain.product import BadProduct, ProductResult, parse_product
from etsysync_cli.errors import SourceError

JSON_SUFFIXES = (".json",)
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)

CSV_COLUMNS: Mapping[str, str] = {
    "handle": "Required. The product's unique handle; a product's rows share it and are together.",
    "title": "Required (first row). The product title.",
    "id": "The product id, if the store has one (else the handle identifies the product).",
    "subtitle": "Short subtitle (used as the description when the description is empty).",
    "description": "Plain-text description.",
    "status": "`published` (default), `draft`, `proposed` or `rejected`.",
    "thumbnail": "Main image: an http(s) URL or a path relative to the CSV file.",
    "images": "More images, separated by `|`, in display order.",
    "tags": "Tags separated by `|` (or by commas).",
    "material": "Materials, separated by commas.",
    "weight": "Product weight (unit: the `listing.weight_unit` setting).",
    "metadata": 'A JSON object, e.g. {"etsy_taxonomy_id": 1633}.',
    "etsy_*": "Any column named etsy_… (etsy_taxonomy_id, etsy_title, …) goes into metadata.",
    "who_made": "Goes into metadata (`i_did`, `someone_else`, `collective`).",
    "when_made": "Goes into metadata (`made_to_order`, `2020_<year>`, …).",
    "variant_id": "The variant id, if any.",
    "variant_title": "The variant title, if any.",
    "sku": "The variant SKU.",
    "option1_name": "First option's name (e.g. Size); may be given on the first row only.",
    "option1_value": "This variant's value for the first option (e.g. M).",
    "option2_name": "Second option's name.",
    "option2_value": "This variant's value for the second option.",
    "option3_name": "Third option's name: Etsy's third variation, one of the category's own "
    "properties with its predefined values (see Variants in mapping.md); a fourth makes the "
    "product invalid.",
    "option3_value": "This variant's value for the third option.",
    "price": "Required (or price_<cur> columns). Price in major units: 12.50 is twelve fifty; "
    "a dot separates decimals.",
    "currency": "ISO currency code of `price` (e.g. EUR).",
    "price_<cur>": "More prices, one column per currency: price_usd, price_gbp, …",
    "quantity": "Stock. Empty: not tracked, `listing.default_quantity` is listed.",
    "manage_inventory": "`true`/`false`; defaults to true when `quantity` is given.",
}
REQUIRED_CSV_COLUMNS = ("handle", "title")


def csv_columns_markdown() -> str:
    """The CSV columns as a README table (docs come from code)."""
    lines = ["| column | meaning |", "|---|---|"]
    for column, meaning in CSV_COLUMNS.items():
        lines.append(f"| `{column}` | {meaning.replace('|', chr(92) + '|')} |")
    return "\n".join(lines)


_PRODUCT_COLUMNS = (
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
    "who_made",
    "when_made",
)
_OPTION_SLOTS = (1, 2, 3)
_PRICE_COLUMN = re.compile(r"^price_([a-z]{3})$")
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def iter_products(path: Path | str) -> Iterator[ProductResult]:
    """Products from a catalog file, one at a time. Errors about the file itself are raised as
    one SourceError when iteration reaches them; JSON Lines and CSV are never read whole."""
    path = Path(path)
    suffix = path.suffix.lower()
    base_dir = path.parent.absolute()
    if suffix in JSON_SUFFIXES:
        yield from _iter_json(path, base_dir)
    elif suffix in JSONL_SUFFIXES or suffix in CSV_SUFFIXES:
        try:
            # binary lines, decoded one by one: a bad byte somewhere far down cannot stop the
            # products before it, and its line number is exact
            with path.open("rb") as lines:
                if suffix in CSV_SUFFIXES:
                    yield from parse_csv(
                        _utf8_lines(lines, path.name), base_dir=base_dir, name=path.name
                    )
                else:
                    yield from parse_jsonl(lines, base_dir=base_dir, name=path.name)
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    else:
        raise SourceError(
            f"{path}: unknown catalog format '{suffix or '(no extension)'}'",
            hint="name the file .json, .jsonl, .ndjson or .csv",
        )


# --- JSON and JSON Lines -------------------------------------------------------------------------


def _int(text: str) -> int | Decimal:
    # Python refuses to read an integer of more than 4300 digits (and says to call
    # sys.set_int_max_str_digits): a Decimal holds it, and the product then fails its own rules.
    return int(text) if len(text) <= 100 else Decimal(text)


def _loads(text: str) -> Any:
    # Decimal keeps 41.99 exact; NaN/Infinity stay strings so the product fails validation
    try:
        return json.loads(text, parse_float=Decimal, parse_int=_int, parse_constant=str)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise json.JSONDecodeError(f"unreadable value: {exc}", text, 0) from None


def _iter_json(path: Path, base_dir: Path) -> Iterator[ProductResult]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(f"{path.name} line {line}: not UTF-8 text") from None
    if not text.strip():
        raise SourceError(f"{path.name} is empty")
    try:
        document = _loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{path.name} line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})"
        ) from None
    if isinstance(document, dict) and isinstance(document.get("products"), list):
        items, label = document["products"], "products"
    elif isinstance(document, list):
        items, label = document, "item"
    else:
        raise SourceError(
            f"{path.name} line 1: expected a list of products or an object with a "
            f'"products" list, found {_json_kind(document)}'
        )
    for index, raw in enumerate(items):
        where = f"products[{index}]" if label == "products" else f"item {index + 1}"
        yield parse_product(_resolve_images(raw, base_dir), where=where)


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object without a products list"
    return {str: "a string", bool: "true or false", type(None): "null"}.get(type(value), "a number")


def _decode(line: str | bytes, number: int) -> str:
    if isinstance(line, str):
        return line
    return line.decode("utf-8-sig" if number == 1 else "utf-8")  # a BOM may open the file


def _utf8_lines(lines: Iterable[bytes], name: str) -> Iterator[str]:
    for number, line in enumerate(lines, 1):
        try:
            yield _decode(line, number)
        except UnicodeDecodeError:
            raise SourceError(f"{name} line {number}: not UTF-8 text") from None


def parse_jsonl(
    lines: Iterable[str | bytes],
    *,
    base_dir: Path,
    name: str,
    start: int = 1,
    first: bool = True,
) -> Iterator[ProductResult]:
    """Products from JSON Lines, consuming `lines` lazily. A line that is not valid JSON is a
    BadProduct, unless the file opens like a JSON document (then the whole file is wrong).

    `start`: the line number of the first of `lines`; `first`: whether no line before them
    held anything (a run of lines read apart from the file's opening, flows/prepare_pool.py)."""
    for number, data in enumerate(lines, start):
        where = f"line {number}"
        try:
            line = _decode(data, number).rstrip("\r\n")
        except UnicodeDecodeError:
            yield BadProduct(ref=where, where=where, reasons=[f"{where} is not UTF-8 text"])
            continue
        if not line.strip():
            continue
        try:
            raw = _loads(line)
        except json.JSONDecodeError as exc:
            opening = line.strip()
            if first and (opening == "{" or opening.startswith("[")):
                raise SourceError(
                    f"{name} line {number}: this looks like one JSON document, not JSON Lines "
                    "(one product object per line)",
                    hint="rename the file to .json",
                ) from None
            yield BadProduct(
                ref=where,
                where=where,
                reasons=[f"{where} is not valid JSON: {exc.msg} at column {exc.colno}"],
            )
            first = False
            continue
        first = False
        if _is_page(raw):  # a whole `GET /admin/products` page saved as one line
            for index, item in enumerate(raw["products"]):
                item_where = f"{where}, products[{index}]"
                yield parse_product(_resolve_images(item, base_dir), where=item_where)
        else:
            yield parse_product(_resolve_images(raw, base_dir), where=where)


def _is_page(raw: object) -> bool:
    return isinstance(raw, dict) and isinstance(raw.get("products"), list) and "title" not in raw


# --- CSV -----------------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int  # spreadsheet row: the header is row 1
    cells: dict[str, str]
    extra_cells: int

    def get(self, column: str) -> str:
        return self.cells.get(column, "").strip()


def parse_csv(lines: Iterable[str], *, base_dir: Path, name: str) -> Iterator[ProductResult]:
    """Products from CSV rows, consuming `lines` lazily and holding one product's rows at a time.
    Lines keep their line breaks, so quoted cells may contain them (open text with newline="")."""
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise SourceError(f"{name} is empty: expected a header row") from None
    except csv.Error as exc:
        raise SourceError(f"{name} line {reader.line_num}: {exc}") from None
    columns = [cell.strip().lower() for cell in header]
    _check_header(columns, name)

    group: list[_Row] = []
    seen_handles: set[str] = set()
    row_number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise SourceError(f"{name} line {reader.line_num}: malformed CSV ({exc})") from None
        row_number += 1
        if not any(cell.strip() for cell in cells):
            continue
        row = _Row(row_number, dict(zip(columns, cells, strict=False)), len(cells) - len(columns))
        if group and (not row.get("handle") or row.get("handle") != group[0].get("handle")):
            yield _product_from_rows(group, base_dir, seen_handles)
            group = []
        group.append(row)
    if group:
        yield _product_from_rows(group, base_dir, seen_handles)


def _check_header(columns: list[str], name: str) -> None:
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in columns]
    if not ("price" in columns or any(_PRICE_COLUMN.match(c) for c in columns)):
        missing.append("price")
    if missing:
        raise SourceError(
            f"{name} row 1: missing column(s) {', '.join(missing)}",
            hint="the CSV columns are listed in README (Catalog files)",
        )
    if "price" in columns and "currency" not in columns:
        raise SourceError(f"{name} row 1: a price column needs a currency column beside it")
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        raise SourceError(f"{name} row 1: column(s) {', '.join(repeated)} appear more than once")


def _product_from_rows(rows: list[_Row], base_dir: Path, seen: set[str]) -> ProductResult:
    first = rows[0]
    handle = first.get("handle")
    where = f"row {first.number}" if len(rows) == 1 else f"rows {first.number}-{rows[-1].number}"
    reasons: list[str] = []
    if not handle:
        return BadProduct(ref=where, where=where, reasons=[f"row {first.number} has no handle"])
    if handle in seen:
        reasons.append(
            f"handle '{handle}' appears again at row {first.number}; keep a product's rows together"
        )
    seen.add(handle)
    for row in rows:
        if row.extra_cells > 0:
            reasons.append(f"row {row.number} has more cells than the header has columns")
    for row in rows[1:]:
        for column in _PRODUCT_COLUMNS:
            value = row.get(column)
            if value and value != first.get(column):
                reasons.append(
                    f"row {row.number}: {column} differs from row {first.number}; a product's "
                    "columns are read from its first row"
                )

    raw: dict[str, Any] = {
        "id": first.get("id") or None,
        "handle": handle,
        "title": first.get("title"),
        "subtitle": first.get("subtitle") or None,
        "description": first.get("description") or None,
        "status": first.get("status") or None,
        "thumbnail": first.get("thumbnail") or None,
        "images": _split(first.get("images"), "|"),
        "tags": _split(first.get("tags"), "|" if "|" in first.get("tags") else ","),
        "material": first.get("material") or None,
        "weight": _decimal(first, "weight", reasons),
        "metadata": _metadata(first, reasons),
    }
    option_names = {slot: first.get(f"option{slot}_name") for slot in _OPTION_SLOTS}
    raw["variants"] = [_variant(row, option_names, reasons) for row in rows]
    raw["options"] = _options(raw["variants"])
    if reasons:
        # Known by the key it has when valid (the id, else the handle): the plan then shows the
        # linked product as invalid rather than as gone from the source.
        ref = raw["id"] or handle
        return BadProduct(ref=ref, where=where, reasons=reasons, title=raw["title"] or None)
    return parse_product(_resolve_images(raw, base_dir), where=where)


def _variant(row: _Row, option_names: dict[int, str], reasons: list[str]) -> dict[str, Any]:
    options: dict[str, str] = {}
    for slot, first_name in option_names.items():
        name = row.get(f"option{slot}_name") or first_name
        value = row.get(f"option{slot}_value")
        if name and value:
            options[name] = value
        elif value:
            reasons.append(f"row {row.number}: option{slot}_value has no option{slot}_name")
        elif name:
            reasons.append(f"row {row.number}: no option{slot}_value for option '{name}'")
    prices = []
    amount = _decimal(row, "price", reasons)
    if amount is not None:
        prices.append({"amount": amount, "currency_code": row.get("currency")})
        if not row.get("currency"):
            reasons.append(f"row {row.number}: price has no currency")
    for column in row.cells:
        match = _PRICE_COLUMN.match(column)
        extra = _decimal(row, column, reasons) if match else None
        if match and extra is not None:
            prices.append({"amount": extra, "currency_code": match.group(1)})
    quantity = _integer(row, "quantity", reasons)
    managed = _boolean(row, "manage_inventory", reasons)
    return {
        "id": row.get("variant_id") or None,
        "title": row.get("variant_title") or None,
        "sku": row.get("sku") or None,
        "options": options,
        "prices": prices,
        "inventory_quantity": quantity,
        "manage_inventory": managed if managed is not None else quantity is not None,
    }


def _options(variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    values: dict[str, list[str]] = {}  # first-seen order is the seller's order
    for variant in variants:
        for name, value in variant["options"].items():
            if value not in values.setdefault(name, []):
                values[name].append(value)
    return [{"title": name, "values": vals} for name, vals in values.items()]


def _split(text: str, separator: str) -> list[str]:
    return [part.strip() for part in text.split(separator) if part.strip()]


def _decimal(row: _Row, column: str, reasons: list[str]) -> Decimal | None:
    text = row.get(column)
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        hint = " (use a dot for decimals)" if "," in text else ""
        reasons.append(f"row {row.number}: {column} '{text}' is not a number{hint}")
        return None
    return value


def _integer(row: _Row, column: str, reasons: list[str]) -> int | None:
    text = row.get(column)
    if not text:
        return None
    if not re.fullmatch(r"-?\d+", text):
        reasons.append(f"row {row.number}: {column} '{text}' is not a whole number")
        return None
    return int(text)


_TRUE = ("true", "yes", "1", "y")
_FALSE = ("false", "no", "0", "n")


def _boolean(row: _Row, column: str, reasons: list[str]) -> bool | None:
    text = row.get(column).lower()
    if not text:
        return None
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    reasons.append(f"row {row.number}: {column} '{text}' is not true or false")
    return None


def _metadata(row: _Row, reasons: list[str]) -> dict[str, Any] | None:
    metadata: dict[str, Any] = {}
    text = row.get("metadata")
    if text:
        try:
            parsed = _loads(text)
        except json.JSONDecodeError as exc:
            parsed = None
            reasons.append(f"row {row.number}: metadata is not valid JSON ({exc.msg})")
        if isinstance(parsed, dict):
            metadata.update(parsed)
        elif parsed is not None:
            reasons.append(f"row {row.number}: metadata must be a JSON object")
    for column in row.cells:
        if (column.startswith("etsy_") or column in ("who_made", "when_made")) and row.get(column):
            metadata[column] = row.get(column)
    return metadata or None


# --- images --------------------------------------------------------------------------------------


def _resolve(location: str, base_dir: Path) -> str:
    if location.lower().startswith("file://"):
        return unquote(urlparse(location).path)
    if _URL.match(location):
        return location  # http(s) and any other scheme (load_image reports those)
    path = Path(location)
    return str(path if path.is_absolute() else base_dir / path)


def _resolve_images(raw: object, base_dir: Path) -> object:
    """Make image paths absolute (relative to the catalog), leaving URLs alone."""
    if not isinstance(raw, dict):
        return raw
    resolved = dict(raw)
    if isinstance(raw.get("thumbnail"), str) and raw["thumbnail"]:
        resolved["thumbnail"] = _resolve(raw["thumbnail"], base_dir)
    if isinstance(raw.get("images"), list):
        images: list[Any] = []
        for image in raw["images"]:
            if isinstance(image, str):
                image = _resolve(image, base_dir)
            elif isinstance(image, dict) and isinstance(image.get("url"), str):
                image = {**image, "url": _resolve(image["url"], base_dir)}
            images.append(image)
        resolved["images"] = images
    return resolved
