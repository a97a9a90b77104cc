"""Find seller taxonomy ids by name, from a local copy of Etsy's seller taxonomy.

Etsy's tree (getSellerTaxonomyNodes) is fetched once, flattened into one entry per node (id,
name, level, parent id, the names from the root down) and kept as JSON in the app home
(`taxonomy.json`) for 7 days. The taxonomy is the same for every shop, so one copy serves all
accounts, and a connected account is needed only to fetch it. The copy remembers which API it
came from: pointing etsysync at another Etsy-compatible server (the sandbox) fetches again. A
missing, stale or unreadable copy is fetched again; one that cannot be written is not kept.

Search: every word must occur, ignoring case and accents ("giclee" finds "Giclée"), somewhere
in the node's path ("Home & Living > Kitchen & Dining > … > Mugs"). Leaves come first, then
deeper nodes, then nodes whose own name holds every word, then shorter paths.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from etsysync_cli.clock import isoformat, parse_time, utcnow
from etsysync_cli.config import private_folder
from etsysync_cli.domain.rules import CUSTOM_PROPERTY_IDS
from etsysync_cli.domain.variations import PredefinedValue, PropertyLookup, VariationProperty
from etsysync_cli.errors import EtsyNotFoundError, UsageError
from etsysync_cli.etsy.models import TaxonomyNode, TaxonomyProperty

CACHE_FILE = "taxonomy.json"
CACHE_FOR = timedelta(days=7)
CACHE_VERSION = 1
DEFAULT_LIMIT = 20
SEPARATOR = " > "


@dataclass(frozen=True)
class TaxonomyEntry:
    id: int
    name: str
    level: int
    parent_id: int | None
    path: tuple[str, ...]  # names from the root down to this node
    is_leaf: bool

    @property
    def full_path(self) -> str:
        return SEPARATOR.join(self.path)

    def as_json(self) -> dict[str, Any]:
        """The stable fields of `taxonomy search --json` (see cli/shop_cmd.py)."""
        return {
            "taxonomy_id": self.id,
            "name": self.name,
            "level": self.level,
            "parent_id": self.parent_id,
            "path": self.full_path,
            "path_names": list(self.path),
            "is_leaf": self.is_leaf,
        }


@dataclass(frozen=True)
class SearchResult:
    words: tuple[str, ...]
    matches: list[TaxonomyEntry]  # at most `limit`, best first
    total: int  # how many matched before the limit


def flatten(roots: Iterable[TaxonomyNode]) -> list[TaxonomyEntry]:
    """One entry per node, depth first, each with the names of its path from the root."""
    entries: list[TaxonomyEntry] = []

    def visit(node: TaxonomyNode, above: tuple[str, ...], parent_id: int | None) -> None:
        path = (*above, node.name)
        entries.append(
            TaxonomyEntry(
                id=node.id,
                name=node.name,
                level=node.level,
                parent_id=node.parent_id if node.parent_id is not None else parent_id,
                path=path,
                is_leaf=not node.children,
            )
        )
        for child in node.children:
            visit(child, path, node.id)

    for root in roots:
        visit(root, (), None)
    return entries


def fold(text: str) -> str:
    """Lower-case without accents: "Giclée" → "giclee"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def split_words(words: Iterable[str]) -> tuple[str, ...]:
    """The words of every argument ("kitchen mug" is two); at least one, else a usage error."""
    wanted = tuple(w for text in words for w in text.split())
    if not wanted:
        raise UsageError("give at least one word to search for", hint="e.g. `taxonomy search mug`")
    return wanted


def search(
    entries: Iterable[TaxonomyEntry], words: Iterable[str], *, limit: int = DEFAULT_LIMIT
) -> SearchResult:
    wanted = split_words(words)
    folded = [fold(w) for w in wanted]
    found: list[tuple[tuple[int, int, int, int, str], TaxonomyEntry]] = []
    for entry in entries:
        path = fold(entry.full_path)
        if not all(w in path for w in folded):
            continue
        name = fold(entry.name)
        own_name = all(w in name for w in folded)
        key = (not entry.is_leaf, -entry.level, not own_name, len(path), path)
        found.append((key, entry))
    found.sort(key=lambda pair: pair[0])
    return SearchResult(wanted, [entry for _, entry in found[: max(limit, 0)]], len(found))


# --- the local copy ----------------------------------------------------------------------------


def cache_path(home: Path) -> Path:
    return home / CACHE_FILE


def read_cache(home: Path, source: str, *, now: datetime | None = None) -> list[TaxonomyEntry]:
    """The cached entries if they came from `source` less than 7 days ago, else []."""
    try:
        data = json.loads(cache_path(home).read_text(encoding="utf-8"))
        fetched = parse_time(data["fetched_at"])
        if data["version"] != CACHE_VERSION or data["source"] != source or fetched is None:
            return []
        if (now or utcnow()) - fetched >= CACHE_FOR:
            return []
        return [
            TaxonomyEntry(
                id=int(n["id"]),
                name=str(n["name"]),
                level=int(n["level"]),
                parent_id=n["parent_id"],
                path=tuple(n["path"]),
                is_leaf=bool(n["is_leaf"]),
            )
            for n in data["nodes"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return []  # missing or damaged: fetch again


def write_cache(home: Path, source: str, entries: list[TaxonomyEntry]) -> None:
    data = {
        "version": CACHE_VERSION,
        "source": source,
        "fetched_at": isoformat(utcnow()),
        "nodes": [asdict(e) for e in entries],
    }
    path = cache_path(home)
    tmp = path.with_suffix(".json.tmp")
    try:
        private_folder(path.parent)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False))
        os.replace(tmp, path)
    except OSError:
        pass  # only a cache: the next search fetches again


def load_entries(
    home: Path,
    source: str,
    fetch: Callable[[], list[TaxonomyNode]],
    *,
    refresh: bool = False,
) -> list[TaxonomyEntry]:
    """The flattened taxonomy: the local copy, else `fetch()` (one Etsy request) kept for later."""
    if not refresh:
        cached = read_cache(home, source)
        if cached:
            return cached
    entries = flatten(fetch())
    write_cache(home, source, entries)
    return entries


# --- a node's variation properties --------------------------------------------------------------


def variation_lookup(fetch: Callable[[int], list[TaxonomyProperty]]) -> PropertyLookup:
    """A node's properties that can be variations (a third variation must be one of them:
    etsy-api.md §10.14), read with `fetch` (getPropertiesByTaxonomyId) at most once per node
    for the lookup's life (one plan): bounded by the categories of products with three options.
    An unknown node has none."""
    cache: dict[int, list[VariationProperty]] = {}

    def lookup(taxonomy_id: int) -> list[VariationProperty]:
        if taxonomy_id not in cache:
            try:
                found = fetch(taxonomy_id)
            except EtsyNotFoundError:
                found = []
            cache[taxonomy_id] = [
                to_variation_property(p)
                for p in found
                if p.supports_variations and p.property_id not in CUSTOM_PROPERTY_IDS
            ]
        return cache[taxonomy_id]

    return lookup


def to_variation_property(prop: TaxonomyProperty) -> VariationProperty:
    return VariationProperty(
        property_id=prop.property_id,
        name=prop.name,
        display_name=prop.display_name,
        values=tuple(
            PredefinedValue(v.value_id, v.name, v.scale_id)
            for v in prop.possible_values
            if v.value_id is not None and v.name
        ),
    )
