"""Where secrets live: the OS keyring, or (opt-in only) a 0600 file in the app home.

One entry per account, holding a small JSON object (tokens, expiry, shared secret). Nothing here
ever logs or prints a value. The database records only which store holds an account's entry
(`accounts.token_storage`), so a later run reads it from the same place.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Protocol

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from etsysync_cli.config import private_folder
from etsysync_cli.errors import CredentialStoreError

SERVICE = "etsysync"
CREDENTIALS_FILE = "credentials.json"
INSECURE_HINT = (
    "no working keyring was found (common on servers and in cron). To keep the tokens in a "
    "file readable only by you instead, pass --insecure-storage or set "
    "ETSYSYNC_INSECURE_STORAGE=1"
)


class SecretStore(Protocol):
    kind: str

    def describe(self) -> str: ...
    def get(self, name: str) -> dict[str, str] | None: ...
    def put(self, name: str, value: dict[str, str]) -> None: ...
    def delete(self, name: str) -> None: ...


class KeyringStore:
    kind = "keyring"

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self.backend = backend or keyring.get_keyring()

    def describe(self) -> str:
        return f"OS keyring ({_backend_name(self.backend)})"

    def get(self, name: str) -> dict[str, str] | None:
        try:
            raw = self.backend.get_password(SERVICE, name)
        except keyring.errors.KeyringError as exc:
            raise _keyring_failed(exc) from None
        return _decode(raw) if raw else None

    def put(self, name: str, value: dict[str, str]) -> None:
        try:
            self.backend.set_password(SERVICE, name, json.dumps(value))
        except keyring.errors.KeyringError as exc:
            raise _keyring_failed(exc) from None

    def delete(self, name: str) -> None:
        try:
            self.backend.delete_password(SERVICE, name)
        except keyring.errors.PasswordDeleteError:
            pass  # already gone
        except keyring.errors.KeyringError as exc:
            raise _keyring_failed(exc) from None


class FileStore:
    """The opt-in fallback: a JSON file created with mode 0600 and replaced atomically."""

    kind = "file"

    def __init__(self, path: Path) -> None:
        self.path = path

    def describe(self) -> str:
        return f"file {self.path} (mode 0600, opted in with --insecure-storage)"

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise CredentialStoreError(f"cannot read {self.path}: {exc}") from None
        entries = data.get("entries", {}) if isinstance(data, dict) else None
        if not isinstance(entries, dict) or not all(
            isinstance(entry, dict) for entry in entries.values()
        ):
            raise CredentialStoreError(
                f"{self.path} is not an etsysync credentials file",
                hint="move it aside, then run `etsysync auth login` again",
            )
        return dict(entries)

    def _write(self, entries: dict[str, dict[str, str]]) -> None:
        private_folder(self.path.parent)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"entries": entries}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def get(self, name: str) -> dict[str, str] | None:
        return self._read().get(name)

    def put(self, name: str, value: dict[str, str]) -> None:
        entries = self._read()
        entries[name] = value
        self._write(entries)

    def delete(self, name: str) -> None:
        entries = self._read()
        if entries.pop(name, None) is not None:
            self._write(entries)


def keyring_works(backend: KeyringBackend | None = None) -> bool:
    """False for keyring's 'fail' and 'null' backends, and for a chain with nothing in it."""
    backend = backend or keyring.get_keyring()
    module = type(backend).__module__
    if module.endswith(("backends.fail", "backends.null")):
        return False
    backends = getattr(backend, "backends", None)
    return not (backends is not None and len(backends) == 0)


def open_store(kind: str | None, home: Path, *, insecure_allowed: bool) -> SecretStore:
    """The store of `kind` ('keyring' or 'file'); None picks for a new account."""
    if kind == "file" or (kind is None and insecure_allowed):
        return FileStore(home / CREDENTIALS_FILE)
    if not keyring_works():
        raise CredentialStoreError(INSECURE_HINT)
    return KeyringStore()


def _decode(raw: str) -> dict[str, str] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _backend_name(backend: KeyringBackend) -> str:
    name = getattr(backend, "name", None)
    return str(name) if name else type(backend).__name__


def _keyring_failed(exc: Exception) -> CredentialStoreError:
    return CredentialStoreError(f"the keyring failed: {type(exc).__name__}. {INSECURE_HINT}")
