"""The base of every Etsy model, and Etsy's money object."""

from __future__ import annotations

import html
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)

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
    """Etsy's records, read leniently (etsy-api.md §10.2): old or odd records carry numbers
    where the spec says strings (`listing_type: 0`, `profile_type: 0`, open-api#276).

    A number where a string is expected is read as its text; an optional field whose value
    cannot be read at all falls back to its default instead of making the whole record (and
    the page it came in) unreadable. Required fields (the ids a record is useless without)
    stay strict.
    """

    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)

    @model_validator(mode="wrap")
    @classmethod
    def _lenient(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        try:
            return handler(data)
        except ValidationError as exc:
            if not isinstance(data, dict):
                raise
            odd = {error["loc"][0] for error in exc.errors() if error["loc"]}
            optional = {name for name, f in cls.model_fields.items() if not f.is_required()}
            if not odd or not odd <= optional:
                raise
            return handler({key: value for key, value in data.items() if key not in odd})


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
