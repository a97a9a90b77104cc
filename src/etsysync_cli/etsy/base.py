"""The base of every Etsy model, and Etsy's money object."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Annotated, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

T = TypeVar("T")


def _none_is_empty(value: object) -> object:
    return [] if value is None else value


# A list Etsy may send as null (its spec allows it in places): read null as [].
ListOrNull = Annotated[list[T], BeforeValidator(_none_is_empty)]


def _unescape(value: object) -> object:
    if isinstance(value, str):
        return html.unescape(value)
    if isinstance(value, list):
        return [html.unescape(v) if isinstance(v, str) else v for v in value]
    return value


# Text Etsy sends HTML-escaped (`Father&#39;s Day`, etsy-api.md §10.1), read as the seller wrote
# it: unescaped once, here at the boundary, so every comparison sees the real text.
EtsyText = Annotated[str, BeforeValidator(_unescape)]


class EtsyModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Money(EtsyModel):
    """Etsy's money object: `{"amount": 1250, "divisor": 100, "currency_code": "USD"}` = 12.50."""

    amount: int
    divisor: int = Field(gt=0)
    currency_code: str

    @property
    def value(self) -> Decimal:
        """The exact decimal amount: 1250/100 → Decimal('12.50') (never a float)."""
        exponent = _power_of_ten(self.divisor)
        if exponent is not None:
            return Decimal(self.amount).scaleb(-exponent)
        return Decimal(self.amount) / Decimal(self.divisor)

    def __str__(self) -> str:
        return f"{self.value} {self.currency_code}"


def _power_of_ten(n: int) -> int | None:
    exponent = 0
    while n > 1 and n % 10 == 0:
        n //= 10
        exponent += 1
    return exponent if n == 1 else None
