"""The connected shop's own ids (shipping profiles, return policies, processing profiles,
production partners), and filling the listing defaults from them: `plan` fills in
`listing.shipping_profile_id`, `return_policy_id` and `readiness_state_id` when the shop has
exactly one of each, and names the choices when it has several. It checks each listing against
what Etsy holds, so that what Etsy will certainly refuse is `invalid` at plan rather than a
failure at confirm: profile ids (`profile_reasons`), production partners (`partner_reasons`) and
the category (`taxonomy_reasons`). Pure; etsy/shop.py reads the profiles from Etsy.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from etsysync_cli.domain.listing import ListingDefaults, ListingDraft
from etsysync_cli.domain.rules import when_made_choices
from etsysync_cli.errors import ConfigError

# The listing settings that name one of the shop's profiles.
PROFILE_SETTINGS = ("shipping_profile_id", "return_policy_id", "readiness_state_id")


@dataclass(frozen=True)
class Choice:
    id: int
    label: str


@dataclass(frozen=True)
class Partner:
    """A production partner of the shop (Etsy's ShopProductionPartner)."""

    id: int
    name: str
    location: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}, {self.location}" if self.location else self.name


@dataclass(frozen=True)
class ShopProfiles:
    shop_id: int
    shop_name: str
    currency_code: str
    shipping_profiles: list[Choice]
    return_policies: list[Choice]
    readiness_states: list[Choice]
    production_partners: list[Partner] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ShopProfiles:
        def choices(key: str) -> list[Choice]:
            return [Choice(**c) for c in data[key]]

        return cls(
            data["shop_id"],
            data["shop_name"],
            data["currency_code"],
            choices("shipping_profiles"),
            choices("return_policies"),
            choices("readiness_states"),
            # KeyError for a copy cached before partners were read: the caller reads again
            [Partner(**p) for p in data["production_partners"]],
        )


SETTINGS = (
    ("shipping_profile_id", "shipping_profiles", "shipping profile", True),
    ("readiness_state_id", "readiness_states", "processing profile", True),
    ("return_policy_id", "return_policies", "return policy", False),
)


def fill_defaults(
    defaults: ListingDefaults, profiles: ShopProfiles
) -> tuple[ListingDefaults, list[str]]:
    """Defaults with the shop's only profile filled in where unset, and notes saying so.

    A setting left unset while the shop has several choices is an error naming them, when
    listings need it (physical ones need shipping and processing profiles).
    """
    notes: list[str] = []
    updates: dict[str, int] = {}
    for name, attribute, label, required in SETTINGS:
        choices: list[Choice] = getattr(profiles, attribute)
        current = getattr(defaults, name)
        listed = ", ".join(f"{c.id} ({c.label})" for c in choices)
        if current is not None:
            if choices and current not in {c.id for c in choices}:
                raise ConfigError(
                    f"listing.{name} is {current}, which is not one of the shop's "
                    f"{label}s: {listed}",
                    hint=f"run `etsysync config set listing.{name} ID` with one of them",
                )
            continue
        if len(choices) == 1:
            updates[name] = choices[0].id
            notes.append(f"using the shop's only {label}: {listed} (listing.{name})")
        elif len(choices) > 1 and required and defaults.type != "download":
            raise ConfigError(
                f"listing.{name} is not set and the shop has several {label}s: {listed}",
                hint=f"run `etsysync config set listing.{name} ID` with one of them "
                "(`etsysync shop` lists them)",
            )
        elif len(choices) > 1:
            notes.append(f"listing.{name} is not set; the shop has {listed}")
    return defaults.model_copy(update=updates), notes


# --- checks against the shop at plan time ------------------------------------------------------

PROFILES_ON_ETSY = "Shop Manager → Settings on etsy.com"


def profile_reasons(
    draft: ListingDraft, profiles: ShopProfiles, *, from_metadata: Collection[str] = ()
) -> list[str]:
    """The draft's shipping profile, processing profile and return policy that the shop does
    not have, each with the shop's choices (Etsy refuses an id that is not the shop's).

    `from_metadata` names the settings (`shipping_profile_id`, …) that the product's own
    metadata set, so that the reason says where to fix the id."""
    reasons = []
    for name, attribute, label, _ in SETTINGS:
        value = getattr(draft, name)
        if value is None:
            continue  # a missing one is the mapping's reason (a download needs none)
        choices: list[Choice] = getattr(profiles, attribute)
        if value in {c.id for c in choices}:
            continue
        where = f"metadata etsy_{name}" if name in from_metadata else f"listing.{name}"
        if not choices:
            reasons.append(
                f"{label} {value} ({where}) is not the shop's: the shop has no {label}s; "
                f"create one in {PROFILES_ON_ETSY} (then `etsysync shop --refresh` lists it)"
            )
            continue
        listed = ", ".join(f"{c.id} ({c.label})" for c in choices)
        reasons.append(f"{label} {value} ({where}) is not one of the shop's: {listed}")
    return reasons


def taxonomy_reasons(
    taxonomy_id: int, known: Collection[int] | None, *, from_metadata: bool
) -> list[str]:
    """A category id that is not a node of Etsy's seller taxonomy (createDraftListing refuses
    it). `known` is None when the taxonomy could not be read: nothing is said here, the plan
    says once that categories were not checked (flows/plan.py)."""
    if known is None or taxonomy_id in known:
        return []
    where = "metadata etsy_taxonomy_id" if from_metadata else "listing.taxonomy_id"
    return [
        f"category {taxonomy_id} ({where}) is not in Etsy's seller taxonomy: "
        "`etsysync taxonomy search WORDS` finds the id to use"
    ]


# --- production partners ---------------------------------------------------------------------

PARTNER_SETTING = "listing.production_partner_ids"
PARTNER_METADATA = "etsy_production_partner_ids"
PARTNERS_ON_ETSY = "Shop Manager → Settings → Production partners on etsy.com"


def needs_production_partner(draft: ListingDraft, today: date) -> bool:
    """Whether Etsy refuses the listing without a production partner (etsy-api.md §10.6).

    Etsy answers "Oh dear, you cannot sell this item on Etsy." to `who_made = someone_else` on a
    finished product made to order or recently; vintage resale (`before_2007` and older) and
    supplies pass without one (ELA's measured control cases; open-api#118 for "recently").
    """
    if draft.who_made != "someone_else" or draft.is_supply:
        return False
    recent = when_made_choices(today)[:4]  # made_to_order, 2020_<year>, 2010_2019, 2007_2009
    return draft.when_made in recent


def partner_reasons(
    draft: ListingDraft, partners: list[Partner], *, from_metadata: bool, today: date
) -> list[str]:
    """Why the draft's production partners would fail on Etsy: ids the shop does not have, or
    none where Etsy needs one. Each reason says where the ids come from and what the shop has."""
    where = f"metadata {PARTNER_METADATA}" if from_metadata else PARTNER_SETTING
    known = {p.id for p in partners}
    unknown = [i for i in draft.production_partner_ids if i not in known]
    if unknown:
        ids = ", ".join(map(str, unknown))
        verb = "is" if len(unknown) == 1 else "are"
        return [f"production partner {ids} ({where}) {verb} not the shop's; {_shop_has(partners)}"]
    if draft.production_partner_ids or not needs_production_partner(draft, today):
        return []
    return [
        "who_made is someone_else, and Etsy refuses such a listing without a production "
        f"partner: set {PARTNER_SETTING} (or metadata {PARTNER_METADATA} on the product); "
        + _shop_has(partners)
    ]


def _shop_has(partners: list[Partner]) -> str:
    if not partners:
        return (
            f"the shop has no production partners: add one in {PARTNERS_ON_ETSY} "
            "(then `etsysync shop --refresh` lists its id)"
        )
    listed = ", ".join(f"{p.id} ({p.label})" for p in partners)
    return f"the shop's production partners: {listed}"
