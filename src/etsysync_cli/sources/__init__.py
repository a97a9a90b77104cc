"""Where products come from: a catalog file, or a Medusa v2 store. Sources only read.

A `SourceSpec` names one (`file:/path/catalog.json`, `medusa:https://…`); it is stored with
each job, so `retry` reads the same source again.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from etsysync_cli.config import Settings
from etsysync_cli.domain.product import ProductResult
from etsysync_cli.errors import UsageError

KINDS = ("file", "medusa")


@dataclass(frozen=True)
class SourceSpec:
    kind: str  # "file" or "medusa"
    location: str  # the catalog's absolute path, or the Medusa backend URL

    def describe(self) -> str:
        return f"{self.kind}:{self.location}"

    @classmethod
    def parse(cls, text: str) -> SourceSpec:
        kind, _, location = text.partition(":")
        return cls(kind, location)


def source_from(settings: Settings, kind: str | None, path: str | None) -> SourceSpec:
    """The source a command names (`--source KIND [PATH]`), else the configured one."""
    kind = kind or settings.source.kind or ("file" if path or settings.source.path else None)
    if kind is None:
        raise UsageError(
            "no product source: pass --source file PATH",
            hint="or set it once: `etsysync config set source.kind file` and "
            "`etsysync config set source.path PATH`",
        )
    if kind == "medusa":
        from etsysync_cli.sources import medusa

        if path:
            raise UsageError("the medusa source reads the store's Admin API; it takes no PATH")
        return SourceSpec("medusa", medusa.configured_url(settings))
    if kind != "file":
        raise UsageError(f"unknown source {kind!r}; the source can be: {', '.join(KINDS)}")
    location = path or settings.source.path
    if not location:
        raise UsageError("the file source needs a catalog path: --source file PATH")
    resolved = Path(location).expanduser().absolute()
    if not resolved.is_file():
        raise UsageError(f"the catalog file {resolved} does not exist")
    return SourceSpec("file", str(resolved))


def read_source(settings: Settings, spec: SourceSpec) -> Iterator[ProductResult]:
    """Every product of the source, streamed."""
    if spec.kind == "medusa":
        from etsysync_cli.sources import medusa

        return medusa.reader(settings)(spec)
    from etsysync_cli.sources.files import iter_products

    return iter_products(spec.location)
