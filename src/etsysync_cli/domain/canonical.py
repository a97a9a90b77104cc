"""The canonical JSON that fingerprints hash: keys sorted, no spaces, text as it is (not escaped
to ASCII), Decimals by value.

Its bytes must never change: a link's fingerprints are compared with the next plan's, and a
product hashed differently after an upgrade would look changed and be pushed again
(tests/mapping/test_fingerprint_stability.py). The fingerprints write their texts field by
field with the small writers below (a dump and an encoder pass per price, variant, product and
draft were a tenth of a large plan); `canonical_json` is the generic form they must equal.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any


def _dec(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 120, 120.0 and 120.00 are the same price
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


# One encoder for every fingerprint: json.dumps with options builds a new one on each call.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_dec
).encode


def canonical_json(value: Any) -> str:
    """The generic canonical text of plain data (a Decimal as its normalized digits)."""
    if type(value) is dict and all(type(key) is str for key in value):
        # A flat dict (a product's metadata, a price's rules) is written here: the encoder's
        # set-up was most of the cost of one so small. Anything nested goes to the encoder.
        parts = []
        for key in sorted(value):
            text = _scalar(value[key])
            if text is None:
                return _CANONICAL(value)
            parts.append(f"{encode_basestring(key)}:{text}")
        return "{" + ",".join(parts) + "}"
    return _CANONICAL(value)


def _scalar(item: Any) -> str | None:
    """`item` as the encoder writes it, for a str, an int, a bool, None or a Decimal."""
    kind = type(item)
    if kind is str:
        return encode_basestring(item)
    if kind is int:
        return int.__repr__(item)
    if kind is bool or item is None:
        return flag(item)
    if kind is Decimal:
        return amount(item)
    return None


# What the encoder writes a str as (ensure_ascii=False): quotes, backslashes and control
# characters escaped, everything else as it is.
json_text = encode_basestring


def text(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def texts(values: list[str]) -> str:
    return f"[{','.join(map(encode_basestring, values))}]"


def flag(value: bool | None) -> str:
    return "null" if value is None else "true" if value else "false"


def number(value: int | None) -> str:
    return "null" if value is None else int.__repr__(value)


def numbers(values: list[int]) -> str:
    return f"[{','.join(map(int.__repr__, values))}]"


def amount(value: Decimal | None) -> str:
    """A Decimal as `canonical_json` writes it: a string of its normalized digits (which never
    need escaping)."""
    return "null" if value is None else f'"{_dec(value)}"'


def decimal_text(value: Decimal | None) -> str:
    """A Decimal as `canonical_json` writes pydantic's JSON-mode dump of it: its str()."""
    return "null" if value is None else f'"{value}"'


def digest(text: str) -> str:
    """The fingerprint of a canonical text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
