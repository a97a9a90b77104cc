"""Property tests: over arbitrary products the mapper never crashes, and every draft it emits is
one Etsy would accept.

`etsy_acceptance_problems` below is written from etsy-api.md §5-§6 on its own, without
`etsy_rules`: if the rules module got a rule wrong, the two disagree and this test finds it.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etsysync_cli.domain.listing import ListingDefaults, ListingDraft
from etsysync_cli.domain.mapping import InvalidListing, MappedListing, check_draft, map_product
from etsysync_cli.domain.product import BadProduct, parse_product
from etsysync_cli.etsy.forms import encode_form
from etsysync_cli.etsy.inventory import inventory_body

# --- an independent reading of Etsy's rules (etsy-api.md §5 and §6) --------------------------


def _categories_ok(text: str, allowed: tuple[str, ...], extra: str) -> bool:
    return all(
        unicodedata.category(c) in allowed or unicodedata.category(c)[0] in allowed or c in extra
        for c in text
    )


def _when_made(today: date) -> set[str]:
    decades = ["1990s", "1980s", "1970s", "1960s", "1950s", "1940s", "1930s", "1920s", "1910s"]
    return {
        "made_to_order",
        f"2020_{today.year}",
        "2010_2019",
        "2007_2009",
        "before_2007",
        "2000_2006",
        *decades,
        "1900s",
        "1800s",
        "1700s",
        "before_1700",
    }


def _price_ok(price: Decimal) -> bool:
    return Decimal("0.20") <= price <= Decimal("50000") and price == price.quantize(Decimal("0.01"))


def etsy_acceptance_problems(draft: ListingDraft, today: date) -> list[str]:
    problems = []
    title = draft.title
    if not 1 <= len(title) <= 140 or not title.strip():
        problems.append("title length")
    if not _categories_ok(title, ("L", "Nd", "P", "Sm", "Zs"), "™©®") or set(title) & set("$^`"):
        problems.append("title characters")
    if any(title.count(c) > 1 for c in "%:&+"):
        problems.append("title repeated symbol")
    if not draft.description.strip():
        problems.append("description")
    if len(draft.tags) > 13 or len({t.lower() for t in draft.tags}) != len(draft.tags):
        problems.append("tag count or duplicates")
    for tag in draft.tags:
        if not 1 <= len(tag) <= 20 or not _categories_ok(tag, ("L", "Nd", "Zs"), "-'™©®"):
            problems.append(f"tag {tag!r}")
    for material in draft.materials:
        if not material or not _categories_ok(material, ("L", "Nd", "Zs"), ""):
            problems.append(f"material {material!r}")
    if not _price_ok(draft.price):
        problems.append("listing price")
    if not 1 <= draft.quantity <= 999:
        problems.append("listing quantity")
    if draft.who_made not in ("i_did", "someone_else", "collective"):
        problems.append("who_made")
    if draft.when_made not in _when_made(today):
        problems.append("when_made")
    if draft.type not in ("physical", "download", "both") or draft.taxonomy_id < 1:
        problems.append("type or taxonomy")
    if draft.type != "download" and draft.shipping_profile_id is None:
        problems.append("shipping profile")
    if len(draft.images) > 20 or (draft.state == "active" and not draft.images):
        problems.append("images")
    if draft.item_weight is not None and not draft.item_weight > 0:
        problems.append("weight")

    body = json.loads(inventory_body(draft.inventory))
    products = body["products"]
    if not products:
        problems.append("no inventory products")
        return problems
    ids = [v["property_id"] for v in products[0]["property_values"]]
    if len(ids) > 2 or not set(ids) <= {513, 514}:
        problems.append("properties")
    combos = set()
    total = 0
    for product in products:
        if "property_values" not in product:
            problems.append("property_values key")
        values = product["property_values"]
        if [v["property_id"] for v in values] != ids:
            problems.append("property shape")
        for value in values:
            if not isinstance(value["value_ids"], list) or len(value["values"]) != 1:
                problems.append("property value shape")
            if any(c in "()" for c in value["values"][0]):
                problems.append("parenthesis")
        combos.add(tuple(v["values"][0] for v in values))
        (offering,) = product["offerings"]
        if not 0 <= offering["quantity"] <= 999 or not _price_ok(Decimal(str(offering["price"]))):
            problems.append("offering")
        total += offering["quantity"]
    if len(combos) != len(products):
        problems.append("duplicate combinations")
    if total > 999:
        problems.append("total quantity")
    for position in range(len(ids)):
        if len({p["property_values"][position]["values"][0] for p in products}) > 70:
            problems.append("more than 70 values")
    for name, field in (("price_on_property", "price"), ("quantity_on_property", "quantity")):
        listed = body[name]
        if listed not in ([], ids) and not (len(listed) == 1 and listed[0] in ids):
            problems.append(name)
        # a value may differ only along the properties listed
        seen: dict[tuple[str, ...], object] = {}
        for p in products:
            key = tuple(v["values"][0] for v in p["property_values"] if v["property_id"] in listed)
            if seen.setdefault(key, p["offerings"][0][field]) != p["offerings"][0][field]:
                problems.append(f"{name} inconsistent")
    return problems


# --- arbitrary products ------------------------------------------------------------------------

texts = st.text(max_size=30)
titles = st.one_of(
    texts,
    st.text(alphabet="abcdefghij %:&+$^`-'()™é\u0301🎁,.", max_size=160),
    st.text(alphabet="Ab ", min_size=130, max_size=150),
)
amounts = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-1, max_value=60000, places=3),
    st.integers(min_value=-5, max_value=10**7),
    st.sampled_from(["0.2", "0.19", "49999.99", "50000", "50000.01", "abc", "4.5"]),
)
prices = st.fixed_dictionaries(
    {"amount": amounts, "currency_code": st.sampled_from(["eur", "EUR", "usd", "gbp", "jpy"])},
    optional={
        "rules": st.sampled_from([{}, None, {"region_id": "reg_1"}]),
        "min_quantity": st.sampled_from([None, 10]),
        "max_quantity": st.sampled_from([None, 5]),
    },
)
quantities = st.one_of(st.none(), st.integers(min_value=-10, max_value=3000))
levels = st.fixed_dictionaries(
    {},
    optional={
        "stocked_quantity": quantities,
        "reserved_quantity": quantities,
        "available_quantity": quantities,
    },
)
items = st.fixed_dictionaries(
    {"required_quantity": st.integers(min_value=1, max_value=4)},
    optional={
        "inventory": st.fixed_dictionaries({"location_levels": st.lists(levels, max_size=3)})
    },
)
option_titles = st.one_of(st.sampled_from(["Size", "Color", "Finish", "Default option"]), texts)
option_values = st.one_of(
    st.sampled_from(["S", "M", "L", "Red", "(x)", " ", "Default option value"]), texts
)
variants = st.fixed_dictionaries(
    {
        "options": st.dictionaries(option_titles, option_values, max_size=3),
        "prices": st.lists(prices, max_size=4),
    },
    optional={
        # a SKU two variants share must come out invalid, never as a draft
        "sku": st.one_of(st.none(), texts, st.sampled_from(["SKU-1", "SKU-2"])),
        "title": st.one_of(st.none(), texts),
        "manage_inventory": st.one_of(st.none(), st.booleans()),
        "inventory_quantity": quantities,
        "inventory_items": st.one_of(st.none(), st.lists(items, max_size=2)),
    },
)
override_keys = st.sampled_from(
    [
        "etsy_taxonomy_id",
        "etsy_who_made",
        "who_made",
        "etsy_when_made",
        "when_made",
        "etsy_is_supply",
        "etsy_shipping_profile_id",
        "etsy_return_policy_id",
        "etsy_readiness_state_id",
        "etsy_type",
        "etsy_state",
        "etsy_title",
        "etsy_description",
        "etsy_tags",
        "etsy_materials",
    ]
)
override_values = st.one_of(
    st.none(),
    texts,
    st.booleans(),
    st.integers(min_value=-3, max_value=2**70),
    st.decimals(allow_nan=False),
    st.sampled_from(["i_did", "collective", "made_to_order", "2020_2025", "2020_2026", "active"]),
    st.lists(texts, max_size=15),
)
images = st.sampled_from([f"https://img.test/{i}.jpg" for i in range(24)])
products = st.fixed_dictionaries(
    {
        "handle": st.just("h"),
        "title": titles,
        "variants": st.lists(variants, max_size=5),
    },
    optional={
        "description": st.one_of(st.none(), texts),
        "subtitle": st.one_of(st.none(), texts),
        "thumbnail": st.one_of(st.none(), images),
        "images": st.lists(st.one_of(images, st.builds(lambda u: {"url": u}, images)), max_size=25),
        "tags": st.lists(
            st.one_of(texts, st.sampled_from(["mug", "Mug", "a-b", "c's"])), max_size=16
        ),
        "material": st.one_of(st.none(), texts),
        "weight": st.one_of(st.none(), amounts),
        "metadata": st.one_of(st.none(), st.dictionaries(override_keys, override_values)),
        "options": st.lists(
            st.fixed_dictionaries({"title": option_titles, "values": st.lists(option_values)}),
            max_size=3,
        ),
    },
)


@st.composite
def plausible_products(draw: st.DrawFn) -> dict[str, Any]:
    """Products close to a real shop's, so that most of them map to drafts."""
    pools = {
        "Size": ["S", "M", "L", "XL"],
        "Color": ["Red", "Blue", "Oat"],
        "Finish": ["Matte", "Gloss"],
    }
    dims = draw(st.lists(st.sampled_from(sorted(pools)), unique=True, max_size=3))
    combos: list[tuple[str, ...]] = [()]  # every combination of the options, then a sample
    for dim in dims:
        combos = [(*c, v) for c in combos for v in pools[dim]]
    chosen = draw(st.lists(st.sampled_from(combos), unique=True, min_size=1, max_size=6))
    variant_list = []
    for index, combo in enumerate(chosen):
        stock = draw(
            st.sampled_from(["unmanaged", "quantity", "levels"]).flatmap(
                lambda kind: (
                    st.just({"manage_inventory": False})
                    if kind == "unmanaged"
                    else st.builds(lambda q: {"inventory_quantity": q}, quantities)
                    if kind == "quantity"
                    else st.builds(
                        lambda i: {"manage_inventory": True, "inventory_items": i},
                        st.lists(items, max_size=2),
                    )
                )
            )
        )
        amount = draw(
            st.one_of(
                st.decimals(min_value=Decimal("0.15"), max_value=60000, places=2),
                st.decimals(min_value=1, max_value=200, places=2),
            )
        )
        currency = draw(st.sampled_from(["eur", "eur", "eur", "usd"]))
        variant_list.append(
            {
                "sku": draw(st.sampled_from([None, f"SKU-{index}", "SAME", "SAME"])),
                "options": dict(zip(dims, combo, strict=True)),
                "prices": [{"amount": amount, "currency_code": currency, "rules": {}}],
                **stock,
            }
        )
    words = ["mug", "Mug", "gift", "hand made", "linen", "a very long tag indeed", "tea"]
    return {
        "handle": "plausible",
        "title": draw(
            st.one_of(
                st.text(alphabet="ABC abc-'&:,.é", min_size=1, max_size=145),
                st.text(alphabet="ABC abcé-", min_size=1, max_size=60),
            )
        ),
        "description": draw(st.one_of(st.none(), st.just("Plain words."))),
        "thumbnail": draw(st.one_of(st.none(), images)),
        "images": draw(st.lists(images, max_size=22)),
        "tags": draw(st.lists(st.sampled_from(words), max_size=draw(st.sampled_from([5, 14])))),
        "material": draw(st.sampled_from([None, "linen, cotton", "oak/walnut", "food-safe"])),
        "weight": draw(st.one_of(st.none(), st.decimals(min_value=0, max_value=5000, places=1))),
        "metadata": draw(
            st.one_of(
                st.none(), st.none(), st.dictionaries(override_keys, override_values, max_size=2)
            )
        ),
        "options": [{"title": d, "values": pools[d]} for d in dims],
        "variants": variant_list,
    }


defaults_strategy = st.builds(
    ListingDefaults,
    taxonomy_id=st.one_of(st.none(), st.integers(min_value=1, max_value=10**6), st.just(1633)),
    who_made=st.sampled_from(["i_did", "someone_else", "collective"]),
    when_made=st.sampled_from(["made_to_order", "made_to_order", "1990s", "2020_2026", "bogus"]),
    is_supply=st.booleans(),
    shipping_profile_id=st.sampled_from([None, 11, 11, 11]),
    return_policy_id=st.one_of(st.none(), st.just(12)),
    readiness_state_id=st.sampled_from([None, 13, 13, 13]),
    type=st.sampled_from(["physical", "download", "both"]),
    state=st.sampled_from(["draft", "active"]),
    price_markup_percent=st.decimals(min_value=-99, max_value=1000, places=2),
    price_rounding=st.sampled_from(["none", "whole", "x.99", "x.95"]),
    default_quantity=st.integers(min_value=1, max_value=999),
    weight_unit=st.sampled_from(["g", "kg", "oz", "lb", "none"]),
)

plausible_defaults = st.builds(
    ListingDefaults,
    taxonomy_id=st.just(1633),
    shipping_profile_id=st.just(11),
    readiness_state_id=st.just(13),
    return_policy_id=st.sampled_from([None, 12]),
    type=st.sampled_from(["physical", "physical", "both", "download"]),
    state=st.sampled_from(["draft", "draft", "active"]),
    price_markup_percent=st.decimals(min_value=0, max_value=50, places=1),
    price_rounding=st.sampled_from(["none", "whole", "x.99", "x.95"]),
    default_quantity=st.sampled_from([1, 5, 999]),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw=st.one_of(products, plausible_products()),
    defaults=st.one_of(defaults_strategy, plausible_defaults),
    currency=st.sampled_from(["EUR", "usd", "JPY", "gbp"]),
    today=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 12, 31)),
)
def test_mapper_never_crashes_and_emits_only_drafts_etsy_accepts(
    raw: dict[str, Any], defaults: ListingDefaults, currency: str, today: date
) -> None:
    product = parse_product(raw, where="item 1")
    if isinstance(product, BadProduct):
        assert product.reasons
        return
    result = map_product(product, currency=currency, defaults=defaults, today=today)
    if isinstance(result, InvalidListing):
        assert result.reasons and all(isinstance(r, str) and r.strip() for r in result.reasons)
        return
    assert isinstance(result, MappedListing)
    draft = result.draft
    assert etsy_acceptance_problems(draft, today) == []
    assert check_draft(draft, today=today) == []
    encode_form(draft.create_fields())  # the payloads are Etsy forms, numbers exact
    encode_form(draft.update_fields())
    assert ListingDraft.model_validate_json(draft.model_dump_json()) == draft


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.decimals(allow_nan=False), texts),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    raw=st.one_of(
        json_values,
        st.dictionaries(
            st.sampled_from(
                ["id", "handle", "title", "variants", "options", "images", "tags", "metadata"]
            ),
            json_values,
        ),
    )
)
def test_any_json_is_a_product_or_a_bad_product(raw: Any) -> None:
    result = parse_product(raw, where="line 1")
    if isinstance(result, BadProduct):
        assert result.reasons
