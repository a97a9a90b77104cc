"""Catalog files: JSON, JSON Lines and CSV; malformed files, bad products, streaming."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etsysync_cli.domain.listing import ListingDefaults
from etsysync_cli.domain.mapping import MappedListing, map_product
from etsysync_cli.domain.product import BadProduct, Product, ProductResult
from etsysync_cli.errors import SourceError
from etsysync_cli.sources.files import CSV_COLUMNS, iter_products, parse_csv, parse_jsonl

MEDUSA = Path(__file__).parents[1] / "fixtures" / "medusa"
DEFAULTS = ListingDefaults(taxonomy_id=1633, shipping_profile_id=11, readiness_state_id=22)


def products(results: list[ProductResult]) -> list[Product]:
    return [r for r in results if isinstance(r, Product)]


def bad(results: list[ProductResult]) -> list[BadProduct]:
    return [r for r in results if isinstance(r, BadProduct)]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- JSON ----------------------------------------------------------------------------------------


def test_a_page_saved_from_medusa_reads_as_it_is(tmp_path: Path) -> None:
    page = shutil.copy(MEDUSA / "products-page-1.json", tmp_path / "catalog.json")
    results = list(iter_products(page))
    assert [p.handle for p in products(results)] == [
        "linen-tee",
        "walnut-serving-board",
        "initial-necklace",
        "speckled-bud-vase",
        "beeswax-pillar-candle",
        "glazed-stoneware-teapot",
        "botanical-giclee-print",
    ]
    tee = products(results)[0]
    assert tee.variants[0].prices[1].amount == Decimal("41.99")  # exact, never a float


def test_a_bare_list_with_one_bad_product(tmp_path: Path) -> None:
    path = write(
        tmp_path / "catalog.json",
        json.dumps(
            [
                {"handle": "a", "title": "A"},
                {"handle": "b"},
                "not a product",
                {"handle": "c", "title": "C", "images": ["img/c.jpg"]},
            ]
        ),
    )
    results = list(iter_products(path))
    assert [p.handle for p in products(results)] == ["a", "c"]
    assert [(b.ref, b.where, b.reasons) for b in bad(results)] == [
        ("b", "item 2", ["title: Field required"]),
        ("item 3", "item 3", ["item 3 is not a JSON object"]),
    ]
    # image paths are relative to the catalog file
    assert products(results)[1].images[0].url == str(tmp_path.absolute() / "img" / "c.jpg")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"products": [\n  {"handle": "a",}\n]}', "catalog.json line 2, column 18: invalid JSON"),
        ("", "catalog.json is empty"),
        ('{"count": 3}', 'line 1: expected a list of products or an object with a "products" list'),
        ("42", "found a number"),
    ],
)
def test_a_malformed_json_file_is_one_error_with_the_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path / "catalog.json", text)
    with pytest.raises(SourceError) as caught:
        list(iter_products(path))
    assert message in str(caught.value)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"unknown catalog format '\.xml'") as caught:
        list(iter_products(tmp_path / "catalog.xml"))
    assert caught.value.hint == "name the file .json, .jsonl, .ndjson or .csv"
    with pytest.raises(SourceError, match="cannot read"):
        list(iter_products(tmp_path / "missing.jsonl"))


# --- JSON Lines ----------------------------------------------------------------------------------


def test_json_lines_with_a_broken_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"handle": "a", "title": "A"}),
        "",
        '{"handle": "b", "title": ',
        json.dumps({"handle": "c", "title": "C", "variants": [{"prices": [{"amount": 1.5}]}]}),
        json.dumps({"handle": "d", "title": "D"}),
    ]
    results = list(iter_products(write(tmp_path / "catalog.jsonl", "\n".join(lines) + "\n")))
    assert [p.handle for p in products(results)] == ["a", "d"]
    broken, invalid = bad(results)
    assert broken.where == "line 3"
    assert broken.reasons == ["line 3 is not valid JSON: Expecting value at column 26"]
    assert (invalid.ref, invalid.where) == ("c", "line 4")
    assert invalid.reasons == ["variants[0].prices[0].currency_code: Field required"]


def test_json_lines_python_cannot_read_are_bad_products_too(tmp_path: Path) -> None:
    lines = ['{"handle": "a", "title": "A"}', '{"n": ' + "9" * 5000 + "}", "[" * 100_000]
    results = list(iter_products(write(tmp_path / "odd.jsonl", "\n".join(lines))))
    assert [type(r).__name__ for r in results] == ["Product", "BadProduct", "BadProduct"]


def test_a_pretty_printed_json_file_named_jsonl_is_one_clear_error(tmp_path: Path) -> None:
    path = shutil.copy(MEDUSA / "products-page-2.json", tmp_path / "catalog.ndjson")
    with pytest.raises(SourceError, match="line 1: this looks like one JSON document") as caught:
        list(iter_products(path))
    assert caught.value.hint == "rename the file to .json"


def test_a_saved_page_per_line_is_accepted(tmp_path: Path) -> None:
    page = json.loads((MEDUSA / "products-page-2.json").read_text(encoding="utf-8"))
    path = write(tmp_path / "pages.jsonl", json.dumps(page) + "\n")
    results = list(iter_products(path))
    assert len(products(results)) == 5


def _lines_that_end_the_test_if_read_too_far(count: int) -> Iterator[str]:
    for number in range(count):
        yield json.dumps({"handle": f"p{number}", "title": f"Product {number}"}) + "\n"
    raise AssertionError("read past what was asked for: the source is not streaming")


def test_json_lines_are_consumed_lazily() -> None:
    results = parse_jsonl(_lines_that_end_the_test_if_read_too_far(2), base_dir=Path("."), name="x")
    first, second = next(results), next(results)
    assert isinstance(first, Product) and isinstance(second, Product)
    assert second.handle == "p1"


def test_a_catalog_file_is_not_read_whole(tmp_path: Path) -> None:
    # The first product is readable although the file is broken further down: if the whole file
    # were decoded up front, the very first product would already fail.
    path = tmp_path / "big.jsonl"
    path.write_bytes(
        json.dumps({"handle": "first", "title": "First"}).encode() + b"\n" + b"\xff\xfe\n" * 1000
    )
    results = iter_products(path)
    assert isinstance(next(results), Product)
    second = next(results)
    assert isinstance(second, BadProduct)
    assert second.reasons == ["line 2 is not UTF-8 text"]


# --- CSV -----------------------------------------------------------------------------------------

CSV = """\
handle,title,description,tags,images,material,option1_name,option1_value,option2_name,option2_value,sku,price,currency,price_usd,quantity,manage_inventory,etsy_taxonomy_id,who_made
linen-tee,Hand-Dyed Linen T-Shirt,"Relaxed fit.
Dyed by hand.",handmade|linen,img/front.jpg|https://img.test/back.jpg,Linen,Size,S,Color,Indigo,LT-S-IND,38,EUR,41.99,5,,559,i_did
linen-tee,,,,,,,M,,Indigo,LT-M-IND,38,EUR,41.99,7,,,
linen-tee,,,,,,,M,,Rust,LT-M-RST,40.00,EUR,43.99,3,,,
print,Botanical Print,Archival.,"art print, fern",print.jpg,,Size,A4,,,PRT-A4,25,EUR,,,false,120,
print,,,,,,Size,A3,,,PRT-A3,39,EUR,,,false,,
"""


def test_csv_rows_are_grouped_into_products(tmp_path: Path) -> None:
    results = list(iter_products(write(tmp_path / "catalog.csv", CSV)))
    tee, print_ = products(results)
    assert tee.handle == "linen-tee" and tee.description == "Relaxed fit.\nDyed by hand."
    assert tee.tags == ["handmade", "linen"]
    assert [i.url for i in tee.images] == [
        str(tmp_path.absolute() / "img" / "front.jpg"),
        "https://img.test/back.jpg",
    ]
    assert [(o.title, o.values) for o in tee.options] == [
        ("Size", ["S", "M"]),
        ("Color", ["Indigo", "Rust"]),
    ]
    skus = [(v.sku, {o.title: o.value for o in v.options}) for v in tee.variants]
    assert skus[1] == ("LT-M-IND", {"Size": "M", "Color": "Indigo"})
    prices = [(p.amount, p.currency_code) for p in tee.variants[0].prices]
    assert prices == [(Decimal(38), "EUR"), (Decimal("41.99"), "usd")]
    assert [v.inventory_quantity for v in tee.variants] == [5, 7, 3]
    assert tee.metadata == {"etsy_taxonomy_id": "559", "who_made": "i_did"}
    assert print_.tags == ["art print", "fern"]
    assert [v.manage_inventory for v in print_.variants] == [False, False]

    result = map_product(tee, currency="EUR", defaults=DEFAULTS, today=date(2026, 11, 28))
    assert isinstance(result, MappedListing)
    assert result.draft.taxonomy_id == 559
    assert [p.offerings[0].quantity for p in result.draft.inventory.products] == [5, 7, 3]


def test_a_bad_csv_row_makes_only_its_product_invalid(tmp_path: Path) -> None:
    text = CSV.replace("LT-M-RST,40.00,EUR", "LT-M-RST,40,50,EUR").replace(",3,,,", ",3,,,")
    results = list(iter_products(write(tmp_path / "catalog.csv", text)))
    (tee,) = bad(results)
    assert (tee.ref, tee.where) == ("linen-tee", "rows 2-4")  # rows, not lines: row 2 has two
    assert "row 4 has more cells than the header has columns" in tee.reasons
    assert [p.handle for p in products(results)] == ["print"]

    text = CSV.replace("PRT-A3,39,EUR", "PRT-A3,39;50,EUR").replace(",false,,\n", ",perhaps,,\n")
    results = list(iter_products(write(tmp_path / "catalog.csv", text)))
    (print_,) = bad(results)
    assert print_.reasons == [
        "row 6: price '39;50' is not a number",
        "row 6: manage_inventory 'perhaps' is not true or false",
    ]


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        (
            "a,A,10,EUR\nb,B,10,EUR\na,A,11,EUR\n",
            "handle 'a' appears again at row 4; keep a product's rows together",
        ),
        ("a,A,10,EUR\na,Other,11,EUR\n", "row 3: title differs from row 2"),
        (",A,10,EUR\n", "row 2 has no handle"),
        ('a,A,"12,50",EUR\n', "row 2: price '12,50' is not a number (use a dot for decimals)"),
        ("a,A,10,\n", "row 2: price has no currency"),
    ],
)
def test_csv_product_problems(tmp_path: Path, rows: str, reason: str) -> None:
    path = write(tmp_path / "c.csv", "handle,title,price,currency\n" + rows)
    reasons = [r for b in bad(list(iter_products(path))) for r in b.reasons]
    assert any(r.startswith(reason) for r in reasons), reasons


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "c.csv is empty: expected a header row"),
        ("handle,price,currency\n", "c.csv row 1: missing column(s) title"),
        ("handle,title\n", "c.csv row 1: missing column(s) price"),
        ("handle,title,price\n", "a price column needs a currency column"),
        ("handle,title,price,currency,title\n", "column(s) title appear more than once"),
        ('handle,title,price,currency\na,"A"x,1,EUR\n', "c.csv line 2: malformed CSV"),
        ('handle,title,price,currency\na,A,1,EUR\nb,"B,1,EUR\n', "c.csv line 3: malformed CSV"),
    ],
)
def test_a_malformed_csv_is_one_error_with_the_row(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SourceError) as caught:
        list(iter_products(write(tmp_path / "c.csv", text)))
    assert message in str(caught.value)


def test_a_csv_that_is_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    # a byte-order mark (from Excel) is fine; Latin-1 text is not
    path.write_bytes(b"\xef\xbb\xbfhandle,title,price,currency\na,A,1,EUR\nb,Caf\xe9,1,EUR\n")
    with pytest.raises(SourceError, match=r"c\.csv line 3: not UTF-8 text"):
        list(iter_products(path))


def _rows_that_end_the_test_if_read_too_far() -> Iterator[str]:
    yield "handle,title,price,currency\n"
    yield "a,A,1,EUR\n"
    yield "a,A,1,EUR\n"
    yield "b,B,1,EUR\n"  # this row closes product a
    raise AssertionError("read past what was asked for: the source is not streaming")


def test_csv_rows_are_consumed_lazily() -> None:
    results = parse_csv(_rows_that_end_the_test_if_read_too_far(), base_dir=Path("."), name="x")
    first = next(results)
    assert isinstance(first, Product) and first.handle == "a" and len(first.variants) == 2


def test_every_documented_column_is_understood(tmp_path: Path) -> None:
    concrete = [c for c in CSV_COLUMNS if "*" not in c and "<" not in c]
    header = ",".join([*concrete, "etsy_title", "price_usd"])
    row = {c: "" for c in concrete} | {
        "handle": "h",
        "title": "T",
        "price": "1",
        "currency": "EUR",
        "metadata": '{""etsy_state"": ""active""}',
    }
    line = ",".join(f'"{row[c]}"' for c in concrete) + ",Etsy T,2"
    (result,) = list(iter_products(write(tmp_path / "all.csv", header + "\n" + line + "\n")))
    assert isinstance(result, Product)
    assert result.metadata == {"etsy_state": "active", "etsy_title": "Etsy T"}
    assert len(result.variants[0].prices) == 2


@settings(max_examples=150, deadline=None)
@given(text=st.text(alphabet='ab,"\n\r|;{}:1.', max_size=200))
def test_arbitrary_csv_text_never_crashes(text: str) -> None:
    lines = ("handle,title,price,currency,option1_name,option1_value\n" + text).splitlines(True)
    try:
        for result in parse_csv(lines, base_dir=Path("."), name="x.csv"):
            assert isinstance(result, Product | BadProduct)
    except SourceError:
        pass
