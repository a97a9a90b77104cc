"""The source contract: the file source (JSON, JSON Lines, CSV) and the Medusa v2 source give the
same products for the same catalog.

The catalog is defined once (contract_catalog.py) and materialised in each source: written as a
file for `files.iter_products`, or served by the loopback fake Medusa (tests/medusa/fake_medusa.py)
in the v2 Admin API shape and read through `medusa.reader`, as a plan reads it. Medusa is read with
`include_drafts` so that the draft is part of both readings (`--include-drafts`; a file always
yields its drafts and the plan skips them).

Where the sources legitimately differ, a test says so and compares what must be equal:
image references (a path beside the catalog, a URL on the backend), Medusa's "Default option"
marker on a product without variations and its option ids, and `etsy_state: draft`, which the
Medusa source adds to every draft it reads so that it stays a draft on Etsy. A case a format
cannot hold (CSV has no gift card column) is skipped for that format with its reason.

Known bugs are strict xfails: the fingerprint hashes equivalent spellings differently (a
currency code's case, `rules: {}` or none, `is_giftcard: false` or unsaid), and a bad CSV
product is known by its handle even when it has an id.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from contract_catalog import CATALOG, IMAGE_DIR, SHOP_CURRENCY, Case, cases, medusa_product
from contract_catalog import write_catalog as write_file_catalog
from tests.medusa.fake_medusa import FakeMedusa

from etsysync_cli.config import Settings
from etsysync_cli.domain.product import (
    DEFAULT_OPTION_TITLE,
    BadProduct,
    Product,
    ProductResult,
    Variant,
    base_prices,
    fingerprint,
    ordered_image_urls,
    sellable_quantity,
    stock_is_known,
)
from etsysync_cli.sources import medusa
from etsysync_cli.sources.files import iter_products

KINDS = ["file-json", "file-jsonl", "file-csv", "medusa"]
GOOD = [case for case in CATALOG if not case.bad]
(SPOON_REST,) = [case for case in CATALOG if case.bad]
WALNUT = next(case for case in CATALOG if case.handle == "walnut-serving-board")


class RecordingMedusa(FakeMedusa):
    """The fake Medusa, recording PUT, PATCH and DELETE too (the fake serves GET and POST; any
    other method would be refused without a trace)."""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake, base = self, super()._handler()

        class Handler(base):  # type: ignore[valid-type, misc]
            def do_PUT(self) -> None:
                fake._serve(self, "PUT")

            def do_PATCH(self) -> None:
                fake._serve(self, "PATCH")

            def do_DELETE(self) -> None:
                fake._serve(self, "DELETE")

        return Handler


@dataclass(frozen=True)
class Spec:
    """What `medusa.reader` reads: a source spec's location (the backend URL)."""

    location: str


@dataclass
class SourceRead:
    """One source holding the catalog, and what it yielded."""

    kind: str
    results: list[ProductResult]
    read_again: Callable[[], list[ProductResult]]
    image_ref: Callable[[str], str]  # where the source says an image (by file name) is
    writes: Callable[[], list[str]]  # what reading changed: [] when the source only read

    def product(self, case: Case) -> Product:
        if self.kind in case.cannot:
            pytest.skip(f"{self.kind}: {case.cannot[self.kind]}")
        found = [r for r in self.results if isinstance(r, Product) and r.key == case.id]
        assert len(found) == 1, f"{self.kind} yielded {case.id} {len(found)} times"
        return found[0]


# --- materialising the catalog in a source -------------------------------------------------------


def _snapshot(folder: Path) -> dict[str, tuple[int, bytes | None]]:
    """Every file and folder under `folder`: modification time and content."""
    return {
        path.relative_to(folder).as_posix(): (
            path.stat().st_mtime_ns,
            path.read_bytes() if path.is_file() else None,
        )
        for path in folder.rglob("*")
    }


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changed = [f"{name} appeared" for name in after.keys() - before.keys()]
    changed += [f"{name} disappeared" for name in before.keys() - after.keys()]
    changed += [
        f"{name} changed" for name in before.keys() & after.keys() if before[name] != after[name]
    ]
    return sorted(changed)


def file_source(kind: str, folder: Path) -> SourceRead:
    path = write_file_catalog(kind, folder)
    before = _snapshot(folder)

    def read() -> list[ProductResult]:
        return list(iter_products(path))

    return SourceRead(
        kind,
        read(),
        read,
        image_ref=lambda name: str(folder.absolute() / IMAGE_DIR / name),
        writes=lambda: _changes(before, _snapshot(folder)),
    )


def medusa_source(fake: FakeMedusa, home: Path) -> SourceRead:
    with fake.lock:
        fake.requests.clear()
        fake.posts.clear()
        fake.products = [medusa_product(case, fake.url) for case in cases("medusa")]
        served = copy.deepcopy(fake.products)
    settings = Settings.model_validate({"medusa": {"url": fake.url, "api_key": fake.key}})
    reader = medusa.reader(
        settings,
        medusa.Selection(include_drafts=True),
        home=home,
        retry=medusa.MedusaRetryPolicy.no_wait(),
    )

    def read() -> list[ProductResult]:
        return list(reader(Spec(fake.url)))

    def writes() -> list[str]:
        with fake.lock:
            sent = [f"{r['method']} {r['path']}" for r in fake.requests if r["method"] != "GET"]
            if fake.products != served:
                sent.append("the store's products changed")
        return sent

    results = read()
    with fake.lock:
        assert any(r["path"] == "/admin/products" for r in fake.requests)  # it was read, live
    return SourceRead(
        "medusa", results, read, image_ref=lambda name: f"{fake.url}/static/{name}", writes=writes
    )


@pytest.fixture(scope="module")
def fake_medusa() -> Iterator[FakeMedusa]:
    """One loopback Medusa for the module (stopping one takes half a second); each test serves
    the catalog afresh and sees only its own requests."""
    with RecordingMedusa() as fake:
        yield fake


@pytest.fixture(params=KINDS)
def source(request: pytest.FixtureRequest, tmp_path: Path, app_home: Path) -> SourceRead:
    """The catalog, held and read by one source."""
    kind: str = request.param
    if kind == "medusa":
        return medusa_source(request.getfixturevalue("fake_medusa"), app_home)
    return file_source(kind, tmp_path / kind)


@pytest.fixture
def json_catalog(tmp_path: Path) -> SourceRead:
    """The same catalog as a JSON file: the reference the other sources are compared with."""
    return file_source("file-json", tmp_path / "reference")


def xfail_for(request: pytest.FixtureRequest, kind: str, kinds: dict[str, str]) -> None:
    if kind in kinds:
        request.applymarker(pytest.mark.xfail(strict=True, reason=kinds[kind]))


# --- what every product looks like, whatever the source -------------------------------------------


def listing_options(variant: Variant) -> dict[str, str]:
    """A variant's option values by option title. Medusa gives a product without variations one
    "Default option" (the mapping lists such a product without variations); files give none."""
    return {o.title or "": o.value for o in variant.options if o.title != DEFAULT_OPTION_TITLE}


def comparable(product: Product) -> Product:
    """The product as it must be equal between sources. Left out, as legitimate differences:
    where images are (a path beside the catalog, or a URL on the backend: only their names and
    order must agree), Medusa's option ids and "Default option" (a CSV cannot carry either), and
    the `etsy_state: draft` the Medusa source adds to a draft it reads."""
    data = product.model_dump()
    data["thumbnail"] = None
    data["images"] = [url.rsplit("/", 1)[-1] for url in ordered_image_urls(product)]
    data["options"] = [
        {**option, "id": None}
        for option in data["options"]
        if option["title"] != DEFAULT_OPTION_TITLE
    ]
    for variant in data["variants"]:
        variant["options"] = [
            {**option, "option_id": None}
            for option in variant["options"]
            if option["title"] != DEFAULT_OPTION_TITLE
        ]
    if product.status == "draft" and product.meta.get("etsy_state") == "draft":
        data["metadata"] = {k: v for k, v in product.meta.items() if k != "etsy_state"} or None
    return Product.model_validate(data)


def same_spelling(product: Product) -> Product:
    """`comparable`, and equivalent spellings made one: a currency code's case (CSV says EUR,
    Medusa eur), price rules {} or none (Medusa sends `rules: {}`), `is_giftcard` false or
    unsaid (Medusa always says it; a file says it of a gift card)."""
    data = comparable(product).model_dump()
    data["is_giftcard"] = bool(data["is_giftcard"])
    for variant in data["variants"]:
        for price in variant["prices"]:
            price["currency_code"] = price["currency_code"].lower()
            price["rules"] = price["rules"] or None
    return Product.model_validate(data)


def differing_fields(one: Product, other: Product) -> list[str]:
    """For a failure message: the fields of two products' dumps that differ."""
    skip = {"variants", "updated_at"}  # not part of the fingerprint
    a, b = one.model_dump(exclude=skip), other.model_dump(exclude=skip)
    fields = [name for name in a if a[name] != b[name]]
    mine = {v.sku: [p.model_dump() for p in v.prices] for v in one.variants}
    theirs = {v.sku: [p.model_dump() for p in v.prices] for v in other.variants}
    if mine != theirs:
        fields.append(f"variants' prices: {mine} != {theirs}")
    return fields


def typed(value: Any) -> Any:
    """A JSON value with the type of every leaf, so that 1633 and "1633" (or Decimal) differ."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


def slot(result: ProductResult) -> str:
    return result.key if isinstance(result, Product) else "BadProduct"


# --- the contract ---------------------------------------------------------------------------------


def test_the_same_products_in_a_stable_order(source: SourceRead) -> None:
    expected = ["BadProduct" if case.bad else case.id for case in cases(source.kind)]
    assert [slot(r) for r in source.results] == expected
    assert [slot(r) for r in source.read_again()] == expected


@pytest.mark.parametrize("case", GOOD, ids=str)
def test_texts_and_status(source: SourceRead, case: Case) -> None:
    product = source.product(case)
    assert product.id == case.id
    assert product.handle == case.handle
    assert product.title == case.title
    assert product.subtitle == case.subtitle
    assert product.description == case.description  # line breaks and quotes kept
    assert product.status == case.status
    assert bool(product.is_giftcard) is case.is_giftcard
    assert product.tags == list(case.tags)
    assert product.material == case.material
    assert product.weight == (Decimal(case.weight) if case.weight else None)


@pytest.mark.parametrize("case", GOOD, ids=str)
def test_prices_are_decimals_in_major_units(source: SourceRead, case: Case) -> None:
    product = source.product(case)
    by_sku = {variant.sku: variant for variant in product.variants}
    for expected in case.variants:
        variant = by_sku[expected.sku]
        assert all(type(price.amount) is Decimal for price in variant.prices)
        assert {p.currency_code.upper(): p.amount for p in variant.prices} == {
            currency: Decimal(amount) for currency, amount in expected.prices.items()
        }
        assert base_prices(variant, SHOP_CURRENCY) == [Decimal(expected.prices[SHOP_CURRENCY])]
        assert base_prices(variant, SHOP_CURRENCY.lower()) == base_prices(variant, SHOP_CURRENCY)


def test_a_whole_price_is_never_divided_by_100(source: SourceRead) -> None:
    (variant,) = source.product(WALNUT).variants
    assert base_prices(variant, SHOP_CURRENCY) == [Decimal("120.00")]
    assert base_prices(variant, "USD") == [Decimal("135.00")]


@pytest.mark.parametrize("case", GOOD, ids=str)
def test_variants_with_their_skus_and_option_values(source: SourceRead, case: Case) -> None:
    product = source.product(case)
    assert len(product.variants) == len(case.variants)
    # by SKU: Medusa's variant order is not stable between calls (tests/fixtures/medusa)
    assert {v.sku: (v.id, v.title, listing_options(v)) for v in product.variants} == {
        v.sku: (v.id, v.title, v.options) for v in case.variants
    }
    options = [(o.title, o.values) for o in product.options if o.title != DEFAULT_OPTION_TITLE]
    assert options == [(title, list(values)) for title, values in case.options]


@pytest.mark.parametrize("case", GOOD, ids=str)
def test_stock(source: SourceRead, case: Case) -> None:
    product = source.product(case)
    assert {
        v.sku: (v.is_managed, stock_is_known(v), sellable_quantity(v)) for v in product.variants
    } == {v.sku: (v.stock is not None, True, v.stock) for v in case.variants}


@pytest.mark.parametrize("case", GOOD, ids=str)
def test_images_in_order(source: SourceRead, case: Case) -> None:
    urls = ordered_image_urls(source.product(case))
    assert urls == [source.image_ref(name) for name in case.images]
    for url in urls:
        if source.kind == "medusa":  # a relative thumbnail is taken from the backend URL
            assert urlsplit(url).scheme == "http" and urlsplit(url).netloc, url
        else:
            assert Path(url).is_absolute() and Path(url).is_file(), url


@pytest.mark.parametrize("case", GOOD, ids=str)
def test_metadata_passes_through(source: SourceRead, case: Case) -> None:
    expected = dict(case.metadata or {})
    if source.kind == "medusa" and case.status == "draft":
        expected["etsy_state"] = "draft"  # a draft read from Medusa stays a draft on Etsy
    assert typed(source.product(case).meta) == typed(expected)


@pytest.mark.parametrize("case", GOOD, ids=str)
def test_fingerprint_is_equal_across_sources(
    request: pytest.FixtureRequest, source: SourceRead, json_catalog: SourceRead, case: Case
) -> None:
    """The same listing data, the same fingerprint: only the legitimate differences (see
    `comparable`) are left out."""
    xfail_for(
        request,
        source.kind,
        {
            "file-csv": "fingerprint() hashes the currency code as written: the CSV's `currency` "
            "column says EUR where the JSON catalog (and Medusa) say eur, so the same prices "
            "fingerprint differently",
            "medusa": "fingerprint() hashes spellings, not values: Medusa's `rules: {}` and "
            "`is_giftcard: false` against a file's missing rules and is_giftcard give the same "
            "product another fingerprint",
        },
    )
    product, reference = comparable(source.product(case)), comparable(json_catalog.product(case))
    assert fingerprint(product) == fingerprint(reference), differing_fields(product, reference)


@pytest.mark.parametrize("case", GOOD, ids=str)
def test_fingerprint_is_equal_once_equivalent_spellings_agree(
    source: SourceRead, json_catalog: SourceRead, case: Case
) -> None:
    """Everything else the fingerprint covers (texts, variants, options, prices, stock, images,
    metadata) agrees between the sources."""
    product, reference = (
        same_spelling(source.product(case)),
        same_spelling(json_catalog.product(case)),
    )
    assert fingerprint(product) == fingerprint(reference), differing_fields(product, reference)


def test_a_bad_product_comes_back_with_its_reasons_and_the_others_carry_on(
    source: SourceRead,
) -> None:
    bad = [r for r in source.results if isinstance(r, BadProduct)]
    assert len(bad) == 1, bad
    reasons = bad[0].reasons
    assert bad[0].title == SPOON_REST.title
    assert bad[0].where  # each its own: products[3], line 4, row 8, Medusa product prod_…
    assert any("price" in reason and "twelve" in reason for reason in reasons), reasons
    assert [r.key for r in source.results if isinstance(r, Product)] == [
        case.id for case in cases(source.kind) if not case.bad
    ]


def test_a_bad_product_is_known_by_its_key(
    request: pytest.FixtureRequest, source: SourceRead
) -> None:
    """A product that turns bad keeps the key it has when valid (its id). The plan keys a
    BadProduct by its ref: any other ref leaves the product's link unseen, so the plan calls it
    orphaned (and `--prune` deactivates its listing) instead of showing it invalid."""
    (bad,) = [r for r in source.results if isinstance(r, BadProduct)]
    assert bad.ref == SPOON_REST.id


def test_the_source_only_reads(source: SourceRead) -> None:
    source.read_again()
    assert source.writes() == []
