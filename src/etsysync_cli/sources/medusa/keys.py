"""The Medusa secret API key: kept with its URL in the keyring (or the opt-in file), and never
sent to any other URL."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from pydantic import SecretStr

from etsysync_cli.accounts.credentials import SecretStore, open_store
from etsysync_cli.config import Settings, env_name
from etsysync_cli.errors import CredentialStoreError, SourceError
from etsysync_cli.sources.medusa.client import MedusaAuthError, connect_hint, normalize_url

KEY_ENTRY = "medusa-api-key"  # the secret store entry: {"url": ..., "api_key": ...}


# --- the secret API key ---------------------------------------------------------------------------


def _stores(home: Path) -> Iterator[SecretStore]:
    """The stores that may hold the key: the keyring (when one works), then the opt-in file."""
    with contextlib.suppress(CredentialStoreError):
        yield open_store("keyring", home, insecure_allowed=False)
    yield open_store("file", home, insecure_allowed=True)


def stored_key(home: Path) -> tuple[dict[str, str], SecretStore] | None:
    for secrets in _stores(home):
        entry = secrets.get(KEY_ENTRY)
        if entry and entry.get("api_key"):
            return entry, secrets
    return None


def save_key(home: Path, url: str, key: SecretStr, *, insecure_allowed: bool) -> SecretStore:
    """Keep the key (with its URL) in the keyring, or the opt-in file; drop a copy elsewhere."""
    chosen = open_store(None, home, insecure_allowed=insecure_allowed)
    chosen.put(KEY_ENTRY, {"url": url, "api_key": key.get_secret_value()})
    for other in _stores(home):
        if other.kind != chosen.kind:
            with contextlib.suppress(CredentialStoreError):
                other.delete(KEY_ENTRY)
    return chosen


def configured_url(settings: Settings) -> str:
    if not settings.medusa.url:
        raise SourceError(
            "no Medusa store is connected",
            hint=f"{connect_hint(None)} (or set {env_name('medusa.url')})",
        )
    return normalize_url(settings.medusa.url)


def api_key(settings: Settings, home: Path, url: str) -> tuple[SecretStr, str]:
    """The key for `url` and where it came from. A key is only ever sent to its own URL."""
    env_key = settings.medusa.api_key
    if env_key is not None and env_key.get_secret_value().strip():
        configured = normalize_url(settings.medusa.url) if settings.medusa.url else url
        if configured != url:
            raise SourceError(
                f"{env_name('medusa.api_key')} is for {configured}, not {url}",
                hint=f"set {env_name('medusa.url')} to the store the key belongs to",
            )
        return SecretStr(env_key.get_secret_value().strip()), env_name("medusa.api_key")
    found = stored_key(home)
    if found is None:
        raise MedusaAuthError("no Medusa API key is stored", hint=connect_hint(url))
    entry, secrets = found
    if entry.get("url") != url:
        raise MedusaAuthError(
            f"the stored Medusa API key is for {entry.get('url')}, not {url}",
            hint=connect_hint(url),
        )
    return SecretStr(entry["api_key"]), secrets.describe()
