"""The connected shop's own ids (shipping profiles, return policies, processing profiles), and
filling the listing defaults from them: `plan` fills in `listing.shipping_profile_id`,
`return_policy_id` and `readiness_state_id` when the shop has exactly one of each, and names the
choices when it has several. Pure; etsy/shop.py reads the profiles from Etsy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from etsysync_cli.domain.listing import ListingDefaults
from etsysync_cli.errors import ConfigError


@dataclass(frozen=True)
class Choice:
    id: int
    label: str


@dataclass(frozen=True)
class ShopProfiles:
    shop_id: int
    shop_name: str
    currency_code: str
    shipping_profiles: list[Choice]
    return_policies: list[Choice]
    readiness_states: list[Choice]

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
