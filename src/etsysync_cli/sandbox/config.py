"""The sandbox's knobs: one dataclass, filled from flags or `ETSYSYNC_SANDBOX_*` variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from etsysync_cli.errors import ConfigError
from etsysync_cli.sandbox.seed import MAX_SHOPS

DEFAULT_REDIRECT_URI = "http://localhost:3003/callback"
DEFAULT_KEYSTRING = "sandbox-keystring"
DEFAULT_SHARED_SECRET = "sandbox-shared-secret"
ENV_PREFIX = "ETSYSYNC_SANDBOX_"
# A new Etsy app's limits (etsy-api.md §3, §10.16): the sandbox paces like Etsy unless told not to.
ETSY_RPS = 10
ETSY_RPD = 10_000

_DEFAULT = object()  # a variable set to "": the field keeps its default
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass
class SandboxConfig:
    """How the sandbox behaves. Every field is also a flag of `etsysync sandbox serve`."""

    port: int = 0  # 0: the OS picks a free port; the chosen URL is printed
    latency_ms: int = 0  # added to every Etsy request, to make timing realistic
    # Requests per second and per sliding 24 h. Always set: Etsy has no "unlimited", and every
    # API answer carries both limits in its headers. Go fast with a high number instead.
    rps: int = ETSY_RPS
    rpd: int = ETSY_RPD
    fail_rate: float = 0.0  # probability of an injected 500/503 before the operation runs
    token_ttl: int = 3600  # access token lifetime in seconds (Etsy: 3600)
    keystring: str = DEFAULT_KEYSTRING
    shared_secret: str = DEFAULT_SHARED_SECRET
    redirect_uris: list[str] = field(default_factory=lambda: [DEFAULT_REDIRECT_URI])
    auto_approve: bool = False  # skip the consent page (tests, the demo)
    state_file: Path | None = None  # None: state lives in memory only
    shop_currency: str = "USD"
    # Sellers to host, one shop each (seed.py): the first is SandboxCraftShop, the others
    # SandboxShop2… A token works on its own seller's shop only; all share the app's limits.
    shops: int = 1
    seed: int | None = None  # seeds the failure injection, for reproducible runs
    # Seconds Etsy's clock runs ahead of this machine's (negative: behind): its Date header and
    # every timestamp it writes. For trying a client on a machine whose clock is off.
    clock_offset: float = 0.0
    # Text read back HTML-escaped, as Etsy does (etsy-api.md §10.1): title, description, tags.
    escape_text: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.state_file, str):
            self.state_file = Path(self.state_file)
        self.redirect_uris = list(self.redirect_uris)
        self.shop_currency = self.shop_currency.upper()
        self.validate()

    def validate(self) -> None:
        """Raise `ConfigError` for a value the sandbox cannot run with."""
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"Sandbox port must be between 0 and 65535, got {self.port}.")
        if self.latency_ms < 0:
            raise ConfigError("Sandbox latency must not be negative.")
        for name, etsy in (("rps", ETSY_RPS), ("rpd", ETSY_RPD)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(
                    f"Sandbox {name} must be a whole number of at least 1, got {value!r}.",
                    hint=f"leave it out for Etsy's default ({etsy:,}); the sandbox has no "
                    "unlimited setting, so pass a high number (e.g. 100000) to go fast",
                )
        if not 0.0 <= self.fail_rate <= 1.0:
            raise ConfigError("Sandbox fail rate must be between 0 and 1.")
        if self.token_ttl < 1:
            raise ConfigError("Sandbox token lifetime must be at least 1 second.")
        if not self.keystring or ":" in self.keystring:
            raise ConfigError("Sandbox keystring must be non-empty and must not contain ':'.")
        if not self.shared_secret:
            raise ConfigError("Sandbox shared secret must be non-empty.")
        if not self.redirect_uris:
            raise ConfigError("The sandbox needs at least one registered redirect URI.")
        for uri in self.redirect_uris:
            if not re.match(r"^https?://[^/\s]+", uri):
                raise ConfigError(f"Redirect URI is not an http(s) URL: {uri!r}.")
        if not isinstance(self.shops, int) or isinstance(self.shops, bool):
            raise ConfigError(f"Sandbox shops must be a whole number, got {self.shops!r}.")
        if not 1 <= self.shops <= MAX_SHOPS:
            raise ConfigError(
                f"Sandbox shops must be between 1 and {MAX_SHOPS}, got {self.shops}.",
                hint="pass --shops 2 for two sellers with a shop each",
            )
        if not re.fullmatch(r"[A-Z]{3}", self.shop_currency):
            raise ConfigError(
                f"Shop currency must be an ISO 4217 code, got {self.shop_currency!r}."
            )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> SandboxConfig:
        """Read `ETSYSYNC_SANDBOX_*` variables; keyword overrides (flags) win over them.

        An override whose value is None counts as "not given" (how Typer passes an unset flag),
        so the variable or the default applies.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        parsers: dict[str, tuple[str, Any]] = {
            "PORT": ("port", _int),
            "LATENCY_MS": ("latency_ms", _int),
            "RPS": ("rps", _limit),
            "RPD": ("rpd", _limit),
            "FAIL_RATE": ("fail_rate", _float),
            "TOKEN_TTL": ("token_ttl", _int),
            "KEYSTRING": ("keystring", str),
            "SHARED_SECRET": ("shared_secret", str),
            "REDIRECT_URI": ("redirect_uris", _uri_list),
            "AUTO_APPROVE": ("auto_approve", _bool),
            "STATE_FILE": ("state_file", _optional_path),
            "SHOP_CURRENCY": ("shop_currency", str),
            "SHOPS": ("shops", _int),
            "SEED": ("seed", _optional_int),
            "CLOCK_OFFSET": ("clock_offset", _float),
            "ESCAPE_TEXT": ("escape_text", _bool),
        }
        for suffix, (attr, parse) in parsers.items():
            name = ENV_PREFIX + suffix
            if name in env:
                try:
                    parsed = parse(env[name])
                except ValueError:
                    raise ConfigError(f"{name} has an invalid value: {env[name]!r}.") from None
                if parsed is not _DEFAULT:
                    values[attr] = parsed
        known = {f.name for f in fields(cls)}
        for key, value in overrides.items():
            if key not in known:
                raise TypeError(f"SandboxConfig has no field {key!r}")
            if value is not None:
                values[key] = value
        return cls(**values)


def _int(raw: str) -> int:
    return int(raw.strip())


def _limit(raw: str) -> object:
    """A rate limit; empty means "not set" (Etsy's default). 0 is refused by validate(): it
    used to mean "unlimited", which the sandbox no longer has."""
    return _DEFAULT if not raw.strip() else int(raw.strip())


def _optional_int(raw: str) -> int | None:
    return None if raw.strip() in ("", "none", "0") else int(raw.strip())


def _float(raw: str) -> float:
    return float(raw.strip())


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(raw)


def _uri_list(raw: str) -> list[str]:
    uris = [part.strip() for part in raw.split(",") if part.strip()]
    if not uris:
        raise ValueError(raw)
    return uris


def _optional_path(raw: str) -> Path | None:
    return Path(raw).expanduser() if raw.strip() else None
