"""Each product of a plan read, mapped, checked against the shop and fingerprinted: the work of
a plan that needs neither the store's links nor Etsy, product by product.

A plan does it in its own process (`prepared`), or, for a large JSON Lines catalog, in worker
processes that each read and prepare a run of lines while the plan stages what they prepared
before (flows/prepare_pool.py). Both give the same entries in the same order: the plan cannot
tell them apart (tests/sync/test_plan_workers.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from etsysync_cli.domain.listing import ListingDefaults, ListingDraft
from etsysync_cli.domain.mapping import (
    InvalidListing,
    MappedListing,
    MappedProduct,
    PreparedListing,
    map_product,
)
from etsysync_cli.domain.product import BadProduct, Product, ProductResult
from etsysync_cli.domain.product import fingerprint as source_fingerprint
from etsysync_cli.domain.shop import (
    PARTNER_METADATA,
    PROFILE_SETTINGS,
    ShopProfiles,
    partner_reasons,
    profile_reasons,
    taxonomy_reasons,
)
from etsysync_cli.domain.variations import PropertyLookup
from etsysync_cli.push.loading import ImagePolicy, local_problem, url_problem


@dataclass(frozen=True)
class Context:
    """What preparing a product needs, the same for every product of a plan."""

    currency: str
    defaults: ListingDefaults
    today: date
    profiles: ShopProfiles
    categories: set[int] | None  # Etsy's taxonomy ids; None: not read (not checked)
    images: ImagePolicy
    wanted: frozenset[str]  # `plan --product`: only these ids or handles; empty: all
    include_drafts: bool


@dataclass
class Prepared:
    """One entry of the source as the plan's loop takes it."""

    key: str
    title: str
    bad: BadProduct | None = None  # could not be read
    unwanted: bool = False  # not among `--product`
    skipped: bool = False  # not listed on Etsy (its status, a gift card)
    mapped: MappedProduct | PreparedListing | None = None  # prepared: from a worker
    source_fingerprint: str | None = None


def prepare(result: ProductResult, context: Context, properties: PropertyLookup) -> Prepared:
    """`result` ready to plan; `properties` is asked only for a product with three options."""
    wanted = context.wanted
    if isinstance(result, BadProduct):
        key = result.ref
        unwanted = bool(wanted) and key not in wanted
        return Prepared(key, result.title or key, bad=result, unwanted=unwanted)
    key = result.key
    entry = Prepared(key, result.title)
    if wanted and key not in wanted and result.handle not in wanted:
        entry.unwanted = True
        return entry
    listed = ("published", "draft") if context.include_drafts else ("published",)
    if result.status not in listed or result.is_giftcard:
        entry.skipped = True
        return entry
    entry.mapped = _mapped(result, context, properties)
    entry.source_fingerprint = source_fingerprint(result)
    return entry


def prepared(
    results: Iterable[ProductResult], context: Context, properties: PropertyLookup
) -> Iterator[Prepared]:
    """The entries of `results`, prepared in this process, one at a time."""
    for result in results:
        yield prepare(result, context, properties)


def _mapped(product: Product, context: Context, properties: PropertyLookup) -> MappedProduct:
    mapped = map_product(
        product,
        currency=context.currency,
        defaults=context.defaults,
        today=context.today,
        variation_properties=properties,
    )
    if not isinstance(mapped, MappedListing):
        return mapped
    # The shop's side of the checks: its profiles, Etsy's categories, where images may come from.
    problems = image_problems(mapped.draft, context.images)
    problems += shop_problems(mapped.draft, product.meta, context.profiles, context.categories)
    problems += partner_reasons(
        mapped.draft,
        context.profiles.production_partners,
        from_metadata=product.meta.get(PARTNER_METADATA) is not None,
        today=context.today,
    )
    if problems:
        return InvalidListing(problems, mapped.warnings)
    return mapped


def shop_problems(
    draft: ListingDraft,
    meta: dict[str, Any],
    profiles: ShopProfiles,
    categories: set[int] | None,
) -> list[str]:
    """What Etsy would refuse because the shop (or Etsy) has no such id: the profiles, the
    category. Each reason says whether the id came from the product's metadata or a setting."""
    overridden = {name for name in PROFILE_SETTINGS if meta.get(f"etsy_{name}") is not None}
    found = profile_reasons(draft, profiles, from_metadata=overridden)
    found += taxonomy_reasons(
        draft.taxonomy_id, categories, from_metadata=meta.get("etsy_taxonomy_id") is not None
    )
    return found


def image_problems(draft: ListingDraft, policy: ImagePolicy) -> list[str]:
    """What is wrong with a draft's images before anything is loaded (plan time)."""
    found = []
    for position, ref in enumerate(draft.images, start=1):
        if ref.is_remote:
            problem = url_problem(ref.source, policy)
        else:
            problem = local_problem(ref.source, policy)
        if problem is not None:
            found.append(f"image {position}: {problem}")
    return found
