"""Shared by the benchmarks: a temp app home, an in-process sandbox, a connected account,
catalogs, request counting, and the results table/JSON.

Everything runs the same library calls as the commands (`auth login`, `plan`, `confirm`,
`status`), like `etsysync demo` does; only the catalog and the sandbox's knobs differ.
"""

from __future__ import annotations

import json
import platform
import random
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from etsysync_cli.accounts import login
from etsysync_cli.accounts.session import AppKeys, Session, open_session
from etsysync_cli.config import Settings
from etsysync_cli.demo.local import AutoBrowser, local_shop
from etsysync_cli.flows import confirm as confirming
from etsysync_cli.flows import plan as planning
from etsysync_cli.sandbox import SandboxServer
from etsysync_cli.sandbox.config import ETSY_RPD, ETSY_RPS
from etsysync_cli.sandbox.images import sample_png
from etsysync_cli.store.db import Store

# For benchmarks of local work (plan, status at scale), not of pacing: limits no run reaches.
# The sandbox has no "unlimited" (it paces like Etsy unless told otherwise).
UNPACED: dict[str, int] = {"rps": 100_000, "rpd": 100_000_000}

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO_DIR = Path(__file__).resolve().parent.parent

# Etsy operation → the kind reported per product.
KINDS = {
    "createDraftListing": "create",
    "uploadListingImage": "image",
    "deleteListingImage": "image_delete",
    "updateListingInventory": "inventory",
    "updateListing": "patch",
}


@dataclass
class Env:
    home: Path
    sandbox: SandboxServer
    settings: Settings
    store: Store
    session: Session

    # --- the flow ---------------------------------------------------------------------------

    def plan(self, catalog: Path) -> planning.PlanResult:
        spec = planning.SourceSpec("file", str(catalog))
        return planning.plan(
            self.settings,
            self.store,
            self.session,
            spec,
            planning.PlanOptions(ttl=timedelta(hours=2)),
        )

    def confirm(self, transaction_id: str) -> confirming.ConfirmResult:
        return confirming.confirm(self.settings, self.store, self.session, transaction_id)

    def connect_seller(self, user_id: int) -> Session:
        """Log another of the sandbox's sellers in (as `auth login` does, the consent page
        approving as that seller) and open a session of its own: one more shop, same app."""
        self.sandbox.sign_in(user_id)
        config = self.sandbox.config
        port = int(config.redirect_uris[0].rsplit(":", 1)[1].split("/")[0])
        keys = AppKeys(config.keystring, SecretStr(config.shared_secret))
        options = login.LoginOptions(port=port, timeout=30, insecure_storage=True)
        account = login.login(self.settings, self.store, self.home, keys, options, AutoBrowser())
        return open_session(self.settings, self.store, self.home, str(account.shop_id))

    def api_log(self) -> list[dict[str, Any]]:
        """The sandbox's log of Etsy API requests (the token endpoint and OAuth pages left out)."""
        return [e for e in self.sandbox.request_log() if e["path"].startswith("/v3/application")]


@contextmanager
def environment(
    *,
    rps: int = ETSY_RPS,
    rpd: int = ETSY_RPD,
    latency_ms: int = 0,
    jitter_ms: tuple[int, int] | None = None,
    settings: Mapping[str, Any] | None = None,
    home: Path | None = None,
    seed: int = 8,
    shops: int = 1,
) -> Iterator[Env]:
    """A temp home with a connected sandbox shop. `jitter_ms=(lo, hi)` replaces the sandbox's
    fixed latency with a uniform random one per request (the sandbox itself has only one
    `latency_ms`; the jitter is added around its request handling, after its rate check)."""
    keep = home is not None
    home = (home or Path(tempfile.mkdtemp(prefix="etsysync-bench-"))).absolute()
    home.mkdir(parents=True, exist_ok=True)
    try:
        with local_shop(
            home,
            sandbox={"rps": rps, "rpd": rpd, "latency_ms": latency_ms, "shops": shops},
            settings=settings,
        ) as shop:
            if jitter_ms is not None:
                _add_jitter(shop.sandbox, jitter_ms, seed)
            yield Env(home, shop.sandbox, shop.settings, shop.store, shop.session)
    finally:
        if not keep:
            shutil.rmtree(home, ignore_errors=True)


def _add_jitter(sandbox: SandboxServer, bounds: tuple[int, int], seed: int) -> None:
    app = sandbox.app
    original = app._with_failures
    rng = random.Random(seed)
    lock = threading.Lock()

    def delayed(endpoint: str, run: Any, *rest: Any) -> Any:
        with lock:
            delay = rng.uniform(*bounds) / 1000
        app.stopping.wait(delay)
        return original(endpoint, run, *rest)

    app._with_failures = delayed  # type: ignore[method-assign]


# --- catalogs ------------------------------------------------------------------------------------


def product(
    i: int,
    *,
    images: list[str] | None = None,
    variants: bool = False,
    price: float | None = None,
    state: str = "draft",
) -> dict[str, Any]:
    """One Medusa-shaped product; `variants` gives it 2x3 options (6 inventory products)."""
    base = price if price is not None else 10 + i % 90
    doc: dict[str, Any] = {
        "id": f"prod_{i:06d}",
        "handle": f"product-{i:06d}",
        "title": f"Handmade Benchmark Item {i}",
        "description": f"Benchmark product number {i}, made by hand.",
        "tags": ["handmade", "benchmark"],
        "material": "wood",
        "weight": 200,
        "metadata": {"etsy_taxonomy_id": 1073, "etsy_state": state},
        "status": "published",
    }
    if images:
        doc["thumbnail"], doc["images"] = images[0], images[1:]
    if variants:
        doc["options"] = [
            {"title": "Size", "values": ["S", "M", "L"]},
            {"title": "Colour", "values": ["Red", "Blue"]},
        ]
        doc["variants"] = [
            {
                "sku": f"SKU-{i}-{size}-{colour}",
                "options": {"Size": size, "Colour": colour},
                "prices": [{"amount": base + n, "currency_code": "usd"}],
                "inventory_quantity": 5,
            }
            for n, (size, colour) in enumerate(
                (s, c) for s in ("S", "M", "L") for c in ("Red", "Blue")
            )
        ]
    else:
        doc["variants"] = [
            {
                "sku": f"SKU-{i}",
                "prices": [{"amount": base, "currency_code": "usd"}],
                "inventory_quantity": 5,
            }
        ]
    return doc


def write_image(folder: Path, name: str, seed: int) -> str:
    """A small PNG of its own colour (distinct bytes) in `folder/images`; returns its path."""
    (folder / "images").mkdir(parents=True, exist_ok=True)
    rgb = (seed * 37 % 256, seed * 91 % 256, seed * 53 % 256)
    (folder / "images" / name).write_bytes(sample_png(16, 16, rgb))
    return f"images/{name}"


def write_json(path: Path, products: Iterable[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"products": list(products)}))
    return path


def write_jsonl(path: Path, products: Iterable[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        for doc in products:
            fh.write(json.dumps(doc, separators=(",", ":")) + "\n")
    return path


# --- counting and reporting ----------------------------------------------------------------------


def kinds(log: Iterable[Mapping[str, Any]]) -> Counter[str]:
    return Counter(
        "429" if e.get("status") == 429 else KINDS.get(str(e["operation"]), str(e["operation"]))
        for e in log
    )


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    import os

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
    }


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(h) for h in headers], *[[_fmt(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def save(name: str, data: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    doc = {"benchmark": name, "ran_at": stamp, "machine": machine(), **data}
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    return path
