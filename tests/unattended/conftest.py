"""The sync tests' fixtures, shared."""

from tests.sync.conftest import catalog  # noqa: F401  (a pytest fixture)
