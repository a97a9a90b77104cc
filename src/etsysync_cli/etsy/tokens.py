"""An account's OAuth tokens, in a form that cannot leak by accident.

Both tokens are `SecretStr`s: `repr()`, `str()`, pydantic's errors (inputs are hidden) and
`model_dump()` show only asterisks. The raw values come out only through the explicitly named
`access_value()` (for the Authorization header), `refresh_value()` (for the token endpoint) and
`to_storage()` (for the keyring / credentials store).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, SecretStr, field_validator

from etsysync_cli.clock import utcnow


class TokenSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)

    access_token: SecretStr
    refresh_token: SecretStr
    expires_at: datetime  # always timezone-aware UTC
    token_type: str = "Bearer"

    @field_validator("expires_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @classmethod
    def create(
        cls, access_token: str, refresh_token: str, expires_at: datetime, token_type: str = "Bearer"
    ) -> TokenSet:
        return cls(
            access_token=SecretStr(access_token),
            refresh_token=SecretStr(refresh_token),
            expires_at=expires_at,
            token_type=token_type,
        )

    @classmethod
    def from_token_response(cls, data: Mapping[str, Any], *, now: datetime) -> TokenSet:
        """From the token endpoint's JSON: `expires_in` seconds counted from `now`.

        Raises ValueError (with no token in its text) when a field is missing or malformed.
        """
        access = data.get("access_token")
        refresh = data.get("refresh_token")
        expires_in = data.get("expires_in")
        token_type = data.get("token_type") or "Bearer"
        if not isinstance(access, str) or not access:
            raise ValueError("the reply has no access_token")
        if not isinstance(refresh, str) or not refresh:
            raise ValueError("the reply has no refresh_token")
        if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
            raise ValueError("the reply has no numeric expires_in")
        if not isinstance(token_type, str):
            raise ValueError("the reply's token_type is not a string")
        return cls.create(access, refresh, now + timedelta(seconds=float(expires_in)), token_type)

    @property
    def user_id(self) -> int | None:
        """Etsy's numeric user id, which prefixes both tokens (`12345678.<opaque>`)."""
        head, dot, _ = self.access_token.get_secret_value().partition(".")
        return int(head) if dot and head.isdigit() else None

    def expires_within(self, seconds: float, *, now: datetime | None = None) -> bool:
        current = now if now is not None else utcnow()
        return self.expires_at - current <= timedelta(seconds=seconds)

    def access_value(self) -> str:
        """The raw access token, for the Authorization header only."""
        return self.access_token.get_secret_value()

    def refresh_value(self) -> str:
        """The raw refresh token, for the token endpoint only."""
        return self.refresh_token.get_secret_value()

    def to_storage(self) -> dict[str, str]:
        """The raw values for the secret store (credentials.py). Never print or log this."""
        return {
            "access_token": self.access_value(),
            "refresh_token": self.refresh_value(),
            "expires_at": self.expires_at.isoformat(),
            "token_type": self.token_type,
        }

    @classmethod
    def from_storage(cls, data: Mapping[str, str]) -> TokenSet:
        """The inverse of `to_storage()`. Raises ValueError (without token text) if incomplete."""
        try:
            return cls.create(
                data["access_token"],
                data["refresh_token"],
                datetime.fromisoformat(data["expires_at"]),
                data.get("token_type", "Bearer"),
            )
        except (KeyError, TypeError, ValueError):
            raise ValueError("the stored tokens are incomplete or malformed") from None

    def __repr__(self) -> str:
        return (
            f"TokenSet(user_id={self.user_id!r}, expires_at={self.expires_at.isoformat()!r}, "
            f"token_type={self.token_type!r}, access_token=***, refresh_token=***)"
        )

    __str__ = __repr__
