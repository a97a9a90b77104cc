"""Where secrets live (accounts/credentials.py): the opt-in 0600 file, the keyring (the
in-memory one tests/conftest.py installs, and failing ones), and the choice between them.

Every secret below contains SECRET, so a test can check that no error message carries one.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null
from keyring.errors import KeyringError, PasswordSetError

from etsysync_cli.accounts.credentials import (
    INSECURE_HINT,
    SERVICE,
    FileStore,
    KeyringStore,
    keyring_works,
    open_store,
)
from etsysync_cli.errors import CredentialStoreError, ExitCode
from tests.conftest import MemoryKeyring

ENTRY = {"access_token": "1.SECRET-access", "refresh_token": "1.SECRET-refresh"}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_no_secret(error: BaseException) -> None:
    hint = getattr(error, "hint", None) or ""
    assert "SECRET" not in f"{error} {hint} {error.args!r}"
    assert error.__cause__ is None and error.__suppress_context__  # no chained traceback


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)  # the worst case: nothing masked off by default
    yield
    os.umask(previous)


# --- the file ------------------------------------------------------------------------------------


def test_the_file_is_created_0600(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "home" / "credentials.json"  # the folder does not exist yet
    FileStore(path).put("shop-1", ENTRY)
    assert mode(path) == 0o600
    assert json.loads(path.read_text(encoding="utf-8")) == {"entries": {"shop-1": ENTRY}}


def test_a_file_with_wider_permissions_is_narrowed_on_write(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    path.write_text('{"entries": {}}', encoding="utf-8")
    path.chmod(0o644)
    FileStore(path).put("shop-1", ENTRY)
    assert mode(path) == 0o600


def test_get_put_delete(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "credentials.json")
    assert store.get("shop-1") is None

    store.put("shop-1", ENTRY)
    store.put("shop-2", {"access_token": "2.other"})
    store.put("shop-1", {"access_token": "1.rotated"})

    assert store.get("shop-1") == {"access_token": "1.rotated"}
    assert FileStore(store.path).get("shop-2") == {"access_token": "2.other"}  # on disk
    store.delete("shop-1")
    store.delete("shop-1")  # already gone: no error
    assert store.get("shop-1") is None and store.get("shop-2") is not None
    assert store.kind == "file" and "mode 0600" in store.describe()


def test_deleting_from_no_file_creates_none(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    FileStore(path).delete("shop-1")
    assert not path.exists()


def test_the_file_is_replaced_atomically(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    store = FileStore(path)
    store.put("shop-1", ENTRY)
    before_inode, before_text = path.stat().st_ino, path.read_text(encoding="utf-8")

    with pytest.raises(TypeError):  # the write fails half-way (a value JSON cannot encode)
        store.put("shop-2", {"access_token": object()})  # type: ignore[dict-item]

    assert path.read_text(encoding="utf-8") == before_text  # the old file is intact
    store.put("shop-2", {"access_token": "2.ok"})
    assert path.stat().st_ino != before_inode  # a new file took its place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["credentials.json"]
    assert store.get("shop-1") == ENTRY


@pytest.mark.parametrize(
    "content",
    [
        b'{"entries": {"shop-1": {"refresh_token": "1.SECRET',
        b"not json SECRET",
        b'{"SECRET\xff": 1}',
    ],
    ids=["truncated", "not json", "not utf-8"],
)
def test_an_unreadable_file_is_a_credential_store_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "credentials.json"
    path.write_bytes(content)

    for call in (lambda s: s.get("shop-1"), lambda s: s.put("x", {}), lambda s: s.delete("x")):
        with pytest.raises(CredentialStoreError) as caught:
            call(FileStore(path))
        assert str(path) in str(caught.value)
        assert caught.value.exit_code == ExitCode.AUTH_NEEDED
        assert_no_secret(caught.value)
    assert path.read_bytes() == content  # never overwritten


def test_a_folder_in_the_way_is_a_credential_store_error(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    path.mkdir()
    with pytest.raises(CredentialStoreError, match="cannot read"):
        FileStore(path).get("shop-1")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_a_file_without_read_permission_is_a_credential_store_error(tmp_path: Path) -> None:
    path = tmp_path / "credentials.json"
    FileStore(path).put("shop-1", ENTRY)
    path.chmod(0)
    try:
        with pytest.raises(CredentialStoreError, match="cannot read"):
            FileStore(path).get("shop-1")
    finally:
        path.chmod(0o600)


@pytest.mark.parametrize("content", ["[]", '"SECRET"', '{"entries": null}', '{"entries": "x"}'])
def test_a_file_of_the_wrong_shape_is_a_credential_store_error(
    tmp_path: Path, content: str
) -> None:
    path = tmp_path / "credentials.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CredentialStoreError):
        FileStore(path).get("shop-1")


# --- the keyring ---------------------------------------------------------------------------------


def test_keyring_round_trip(memory_keyring: MemoryKeyring) -> None:
    store = KeyringStore()
    assert store.get("shop-1") is None

    store.put("shop-1", ENTRY)

    assert json.loads(memory_keyring.entries[(SERVICE, "shop-1")]) == ENTRY
    assert store.get("shop-1") == ENTRY
    store.delete("shop-1")
    store.delete("shop-1")  # already gone: no error
    assert memory_keyring.entries == {}
    assert store.kind == "keyring" and store.describe().startswith("OS keyring (")


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", '"text"', ""])
def test_a_keyring_entry_that_is_not_ours_reads_as_none(
    memory_keyring: MemoryKeyring, raw: str
) -> None:
    memory_keyring.entries[(SERVICE, "shop-1")] = raw
    assert KeyringStore().get("shop-1") is None


# Plain classes, not KeyringBackend subclasses: keyring registers every subclass and would
# consider them when it detects the default backend.


class BrokenKeyring:
    """A backend that fails, saying the secret in its own error (some do)."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringError("cannot read 1.SECRET-access")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError(f"cannot store {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringError("locked: 1.SECRET-refresh")


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_keyring_failures_never_carry_the_secret(method: str) -> None:
    store = KeyringStore(BrokenKeyring())  # type: ignore[arg-type]
    args = {"get": ("shop-1",), "put": ("shop-1", ENTRY), "delete": ("shop-1",)}[method]

    with pytest.raises(CredentialStoreError) as caught:
        getattr(store, method)(*args)

    assert str(caught.value).startswith("the keyring failed: ")
    assert "--insecure-storage" in str(caught.value)
    assert_no_secret(caught.value)


class EmptyChain:
    """keyring's chainer when it found no backend at all."""

    backends: list[object] = []  # noqa: RUF012


@pytest.mark.parametrize(
    ("backend", "works"),
    [
        (fail.Keyring(), False),
        (null.Keyring(), False),
        (EmptyChain(), False),
        (MemoryKeyring(), True),
    ],
    ids=["fail", "null", "empty chain", "memory"],
)
def test_keyring_works(backend: object, works: bool) -> None:
    assert keyring_works(backend) is works  # type: ignore[arg-type]


def test_keyring_works_asks_the_installed_backend() -> None:
    assert keyring_works() is True
    keyring.set_keyring(fail.Keyring())  # conftest puts its own back afterwards
    assert keyring_works() is False


# --- choosing a store ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "insecure_allowed", "expected"),
    [
        (None, False, KeyringStore),
        (None, True, FileStore),
        ("keyring", True, KeyringStore),  # an account in the keyring stays there
        ("file", False, FileStore),  # an account opted into the file earlier keeps reading it
    ],
)
def test_open_store_choices(
    tmp_path: Path, kind: str | None, insecure_allowed: bool, expected: type
) -> None:
    store = open_store(kind, tmp_path, insecure_allowed=insecure_allowed)
    assert type(store) is expected
    if isinstance(store, FileStore):
        assert store.path == tmp_path / "credentials.json"
        assert not store.path.exists()  # nothing written until a secret is put


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
@pytest.mark.parametrize("kind", [None, "keyring"])
def test_no_working_keyring_and_no_opt_in(
    tmp_path: Path, backend: object, kind: str | None
) -> None:
    keyring.set_keyring(backend)  # type: ignore[arg-type]

    with pytest.raises(CredentialStoreError) as caught:
        open_store(kind, tmp_path, insecure_allowed=False)

    assert str(caught.value) == INSECURE_HINT
    assert "--insecure-storage" in INSECURE_HINT and "ETSYSYNC_INSECURE_STORAGE=1" in INSECURE_HINT
    assert caught.value.exit_code == ExitCode.AUTH_NEEDED
    assert list(tmp_path.iterdir()) == []


def test_no_working_keyring_but_opted_in_uses_the_file(tmp_path: Path) -> None:
    keyring.set_keyring(fail.Keyring())
    store = open_store(None, tmp_path, insecure_allowed=True)
    store.put("shop-1", ENTRY)
    assert store.get("shop-1") == ENTRY and mode(tmp_path / "credentials.json") == 0o600
