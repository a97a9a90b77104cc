"""The listing settings from configuration (`[listing]`), used for every product unless its
metadata overrides them; their field descriptions are the documentation of those settings.

Apart from the listing draft (listing.py), so that loading the settings, which every command
does, does not define the draft's models (start-up, issue 17).
"""

# No `from __future__ import annotations`, as in config.py: pydantic would evaluate each field's
# annotation from its text at every start-up.

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

WhoMade = Literal["i_did", "someone_else", "collective"]
ListingType = Literal["physical", "download", "both"]
ListingState = Literal["draft", "active"]
PriceRounding = Literal["none", "whole", "x.99", "x.95"]
WeightUnit = Literal["oz", "lb", "g", "kg"]
ExtraTags = Literal["drop", "invalid"]


class ListingDefaults(BaseModel):
    """Listing settings used for every product unless its metadata overrides them."""

    # Built when first validated, as the other sections of the settings (config.py).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    taxonomy_id: int | None = Field(
        None,
        ge=1,
        description="Etsy seller taxonomy (category) id. Required by Etsy; a product can set its "
        "own with metadata `etsy_taxonomy_id`.",
    )
    who_made: WhoMade = Field("i_did", description="Who made the products.")
    when_made: str = Field(
        "made_to_order",
        description="When the products were made: `made_to_order`, `2020_<this year>`, "
        "`2010_2019`, … Etsy renames the newest decade value every year; a stale one is reported.",
    )
    is_supply: bool = Field(False, description="True for craft supplies and tools.")
    shipping_profile_id: int | None = Field(
        None, ge=1, description="Etsy shipping profile id. Required for physical listings."
    )
    return_policy_id: int | None = Field(
        None,
        ge=1,
        description="Etsy return policy id. Etsy needs one before a physical listing can go "
        "active (except for shops based in the EU).",
    )
    readiness_state_id: int | None = Field(
        None,
        ge=1,
        description="Etsy processing profile id (readiness state). Required for physical listings.",
    )
    type: ListingType = Field("physical", description="`physical`, `download` or `both`.")
    state: ListingState = Field(
        "draft",
        description="`draft` keeps new listings unpublished (no fee); `active` publishes them "
        "($0.20 listing fee each).",
    )
    price_markup_percent: Decimal = Field(
        Decimal(0),
        gt=-100,
        le=1000,
        description="Added to every store price before rounding, in percent (e.g. 10 for +10%).",
    )
    price_rounding: PriceRounding = Field(
        "none",
        description="After the markup: `none` rounds to the cent (half up); `whole` rounds up to "
        "the next whole unit (41.20 → 42.00); `x.99` / `x.95` round up to the next price ending "
        "in .99 / .95 (41.20 → 41.99, 42.00 → 42.99). Only `none` can lower a price, by under "
        "half a cent.",
    )
    default_quantity: int = Field(
        1,
        ge=1,
        le=999,
        description="Quantity listed for variants whose stock is not managed by the store.",
    )
    production_partner_ids: list[int] = Field(
        default_factory=list,
        description="Etsy production partner ids (comma-separated) put on every listing; Etsy "
        "refuses `who_made = someone_else` without one. A product can set its own with metadata "
        "`etsy_production_partner_ids`; `etsysync shop` lists the shop's partners.",
    )
    weight_unit: WeightUnit | Literal["none"] = Field(
        "g",
        description="Unit of the products' `weight` numbers (Medusa stores a bare number; grams "
        "by convention): `g`, `kg`, `oz`, `lb`, or `none` to not send weights to Etsy.",
    )
    extra_tags: ExtraTags = Field(
        "drop",
        description="Tags Etsy would not take: `drop` lists the product with the first 13 tags "
        "Etsy accepts (characters it refuses become spaces; tags over 20 characters are left "
        "out) and a warning naming what was left out or changed; `invalid` keeps such a product "
        "from being listed until its tags are fixed.",
    )

    @field_validator("production_partner_ids", mode="before")
    @classmethod
    def _partner_id_list(cls, value: Any) -> Any:
        # From the environment or `config set` the ids arrive as one text: "123" or "123,456".
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, int) and not isinstance(value, bool):
            return [value]
        return value

    @field_validator("production_partner_ids")
    @classmethod
    def _positive_ids(cls, value: list[int]) -> list[int]:
        if any(i < 1 for i in value):
            raise ValueError("production partner ids are positive whole numbers")
        return list(dict.fromkeys(value))
