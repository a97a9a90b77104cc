"""Everything the sandbox remembers: the seeded shop, listings, images, inventory, tokens.

One `SandboxState` per server, guarded by one lock (requests are handled on threads). With a
state file it is saved after every change and loaded at start, so a demo survives a restart.
Tokens are stored as SHA-256 digests: the state file and the inspection API never hold a
usable token.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etsysync_cli.errors import ConfigError
from etsysync_cli.sandbox.config import SandboxConfig
from etsysync_cli.sandbox.seed import Seed, build_seed

STATE_VERSION = 1
REQUEST_LOG_CAP = 200_000  # enough for a long benchmark, bounded for a server left running


@dataclass
class Offering:
    offering_id: int
    price: int  # minor units of the shop currency
    quantity: int
    is_enabled: bool
    readiness_state_id: int | None
    is_deleted: bool = False


@dataclass
class VariationValue:
    property_id: int
    property_name: str | None
    scale_id: int | None
    scale_name: str | None
    value_ids: list[int]
    values: list[str]

    def copy(self) -> VariationValue:
        """A copy that shares no list with this one (a new offering's, a receipt's)."""
        return VariationValue(
            self.property_id,
            self.property_name,
            self.scale_id,
            self.scale_name,
            list(self.value_ids),
            list(self.values),
        )


@dataclass
class Product:
    product_id: int
    sku: str
    offerings: list[Offering]
    property_values: list[VariationValue]
    is_deleted: bool = False


@dataclass
class Inventory:
    products: list[Product] = field(default_factory=list)
    price_on_property: list[int] = field(default_factory=list)
    quantity_on_property: list[int] = field(default_factory=list)
    sku_on_property: list[int] = field(default_factory=list)
    readiness_state_on_property: list[int] = field(default_factory=list)
    deleted_products: list[Product] = field(default_factory=list)  # for show_deleted


@dataclass
class ImageRecord:
    listing_image_id: int
    listing_id: int
    sha256: str
    size: int
    content_type: str
    full_width: int | None
    full_height: int | None
    alt_text: str
    is_watermarked: bool
    created_timestamp: int
    # Etsy's stored rank: not renumbered when another image arrives at it (etsy-api.md §10.11),
    # so two images can share one. 0 only in state files written before ranks were kept.
    rank: int = 0


@dataclass
class Listing:
    listing_id: int
    user_id: int
    shop_id: int
    title: str
    description: str
    state: str
    created_timestamp: int
    updated_timestamp: int
    state_timestamp: int
    ending_timestamp: int
    listing_type: str
    who_made: str | None
    when_made: str | None
    is_supply: bool | None
    taxonomy_id: int | None
    shipping_profile_id: int | None = None
    return_policy_id: int | None = None
    readiness_state_id: int | None = None
    processing_min: int | None = None
    processing_max: int | None = None
    tags: list[str] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    shop_section_id: int | None = None
    featured_rank: int = -1
    is_taxable: bool = True
    is_customizable: bool = True
    should_auto_renew: bool = False
    item_weight: float | None = None
    item_weight_unit: str | None = None
    item_length: float | None = None
    item_width: float | None = None
    item_height: float | None = None
    item_dimensions_unit: str | None = None
    production_partner_ids: list[int] = field(default_factory=list)
    image_ids: list[int] = field(default_factory=list)  # in read-back order (images.py)
    detached_image_ids: list[int] = field(default_factory=list)  # deleted, re-attachable
    inventory: Inventory = field(default_factory=Inventory)


@dataclass
class Transaction:
    """One line of a receipt: what a buyer bought of one offering, as it was at the sale
    (title, price and variations are copied, so a later edit of the listing does not rewrite
    the sale)."""

    transaction_id: int
    listing_id: int
    product_id: int
    sku: str
    quantity: int
    price: int  # minor units per unit, as the offering was priced when bought
    title: str
    description: str
    is_digital: bool
    listing_image_id: int | None
    shipping_profile_id: int | None
    readiness_state_id: int | None
    property_values: list[VariationValue]
    created_timestamp: int


@dataclass
class Receipt:
    """A buyer's order from one shop (ShopReceipt); the sandbox's buyer pays at once."""

    receipt_id: int
    shop_id: int
    seller_user_id: int
    buyer_user_id: int
    currency_code: str
    status: str  # ShopReceipt.status: "paid", later "canceled"
    is_paid: bool
    is_shipped: bool
    created_timestamp: int
    updated_timestamp: int
    transactions: list[Transaction] = field(default_factory=list)


@dataclass
class AccessToken:
    user_id: int
    client_id: str
    scopes: list[str]
    expires_at: float  # epoch seconds
    revoked: bool = False


@dataclass
class RefreshToken:
    user_id: int
    client_id: str
    scopes: list[str]
    expires_at: float
    revoked: bool = False


@dataclass
class AuthCode:
    user_id: int
    client_id: str
    redirect_uri: str
    code_challenge: str
    scopes: list[str]
    expires_at: float
    used: bool = False


@dataclass
class Consent:
    """An authorization request waiting on the consent page (memory only, short-lived)."""

    client_id: str
    redirect_uri: str
    scopes: list[str]
    state: str
    code_challenge: str
    expires_at: float


@dataclass(frozen=True)
class ShopInfo:
    """The seeded seller's shop, for tests: `sandbox.state.shop.shop_id`."""

    shop_id: int
    user_id: int
    shop_name: str
    currency_code: str


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class BlobStore:
    """Image bytes by SHA-256: in memory, or in a folder beside the state file."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._memory: dict[str, bytes] = {}

    def put(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        if self.directory is None:
            self._memory[sha] = data
        else:
            path = self.directory / sha
            if not path.exists():
                self.directory.mkdir(parents=True, exist_ok=True)
                _atomic_write(path, data)
        return sha

    def get(self, sha: str) -> bytes | None:
        if self.directory is None:
            return self._memory.get(sha)
        path = self.directory / sha
        return path.read_bytes() if path.exists() else None


class SandboxState:
    """The sandbox's world. Hold `lock` while reading or changing anything in it."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.seed: Seed = build_seed(config.shop_currency, config.shops)
        self.listings: dict[int, Listing] = {}
        self.images: dict[int, ImageRecord] = {}
        self.receipts: dict[int, Receipt] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}
        self.consents: dict[str, Consent] = {}
        # The seller "signed in" to the sandbox's etsy.com: who approves on the consent page
        # (`POST /_sandbox/signin` changes it; memory only). The first hosted seller at start.
        self.signed_in_user_id = self.seed.sellers[0].user_id
        # Etsy fills variation grids with disabled 0-priced offerings (etsy-api.md §10.3);
        # off unless a test asks (SandboxServer.fill_variation_grids). Memory only.
        self.fill_variation_grids = False
        self.counters: dict[str, int] = {
            "listing": 4100000000,
            "image": 6500000000,
            "product": 20000000000,
            "offering": 21000000000,
            "value": 90000000000,
            "receipt": 3300000000,
            "transaction": 4400000000,
        }
        # The hosted shops after the first number their listings in their own range
        # (seed.LISTING_ID_STEP); the first shop and the stranger share "listing".
        for seller in self.seed.sellers[1:]:
            self.counters[_listing_counter(seller.shop_id)] = seller.first_listing_id
        self.custom_value_ids: dict[str, int] = {}  # "property_id:value" -> value id
        self.stats: dict[str, int] = dict.fromkeys(STAT_NAMES, 0)
        self.request_log: list[dict[str, Any]] = []
        self.server_errors: list[str] = []  # tracebacks of sandbox bugs, for debugging
        blob_dir = None
        if config.state_file is not None:
            blob_dir = config.state_file.with_name(config.state_file.name + ".images")
        self.blobs = BlobStore(blob_dir)
        if config.state_file is not None and config.state_file.exists():
            self._load(config.state_file)

    # --- for tests -----------------------------------------------------------------------------

    @property
    def shop(self) -> ShopInfo:
        """The shop of the user who signs in on the consent page."""
        shop = self.seed.shops[int(self.seed.users[self.signed_in_user_id]["shop_id"])]
        return ShopInfo(
            int(shop["shop_id"]),
            int(shop["user_id"]),
            str(shop["shop_name"]),
            str(shop["currency_code"]),
        )

    def now(self) -> float:
        """Etsy's clock: this machine's, shifted by `clock_offset`."""
        return time.time() + self.config.clock_offset

    def token_counts(self) -> dict[str, int]:
        """How many codes and tokens were issued, rotated, revoked; never the tokens."""
        with self.lock:
            now = time.time()
            counts = {name: self.stats.get(name, 0) for name in TOKEN_STATS}
            counts["access_tokens_active"] = sum(
                1 for t in self.access_tokens.values() if not t.revoked and t.expires_at > now
            )
            counts["refresh_tokens_active"] = sum(
                1 for t in self.refresh_tokens.values() if not t.revoked and t.expires_at > now
            )
        # Short names for the common questions: how many logins/refreshes/revocations.
        counts["issued"] = counts["access_tokens_issued"]
        counts["refreshed"] = counts["refresh_tokens_rotated"]
        counts["revoked"] = counts["refresh_tokens_revoked"] + counts["access_tokens_revoked"]
        return counts

    # --- ids and counters -------------------------------------------------------------------

    def next_id(self, kind: str) -> int:
        self.counters[kind] += 1
        return self.counters[kind]

    def next_listing_id(self, shop_id: int) -> int:
        """A new listing id from the shop's own range."""
        key = _listing_counter(shop_id)
        return self.next_id(key if key in self.counters else "listing")

    def bump(self, stat: str, by: int = 1) -> None:
        self.stats[stat] = self.stats.get(stat, 0) + by

    def custom_value_id(self, property_id: int, value: str) -> int:
        """Etsy gives each new custom variation value an id; the same text keeps its id."""
        key = f"{property_id}:{value.lower()}"
        if key not in self.custom_value_ids:
            self.custom_value_ids[key] = self.next_id("value")
        return self.custom_value_ids[key]

    def log_request(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self.request_log.append(entry)
            if len(self.request_log) > REQUEST_LOG_CAP:
                del self.request_log[: len(self.request_log) - REQUEST_LOG_CAP]

    # --- persistence ------------------------------------------------------------------------

    def save(self) -> None:
        """Write the state file (if any) atomically; called after every change."""
        path = self.config.state_file
        if path is None:
            return
        data = {
            "version": STATE_VERSION,
            "saved_at": int(time.time()),
            "shops": self.config.shops,
            "listings": [dataclasses.asdict(x) for x in self.listings.values()],
            "images": [dataclasses.asdict(x) for x in self.images.values()],
            "receipts": [dataclasses.asdict(x) for x in self.receipts.values()],
            "access_tokens": {k: dataclasses.asdict(v) for k, v in self.access_tokens.items()},
            "refresh_tokens": {k: dataclasses.asdict(v) for k, v in self.refresh_tokens.items()},
            "codes": {k: dataclasses.asdict(v) for k, v in self.codes.items()},
            "counters": self.counters,
            "custom_value_ids": self.custom_value_ids,
            "stats": self.stats,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        # Compact: the file is rewritten after every change, so its size is the cost.
        _atomic_write(path, json.dumps(data, separators=(",", ":")).encode("utf-8"))

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"unsupported version {data.get('version')!r}")
            self._check_shops(path, int(data.get("shops", 1)))
            self.listings = {d["listing_id"]: _listing(d) for d in data["listings"]}
            self.images = {d["listing_image_id"]: ImageRecord(**d) for d in data["images"]}
            # A state file from before receipts has none.
            self.receipts = {d["receipt_id"]: _receipt(d) for d in data.get("receipts", [])}
            self.access_tokens = {k: AccessToken(**v) for k, v in data["access_tokens"].items()}
            self.refresh_tokens = {k: RefreshToken(**v) for k, v in data["refresh_tokens"].items()}
            self.codes = {k: AuthCode(**v) for k, v in data["codes"].items()}
            self.counters.update(data["counters"])
            self.custom_value_ids = dict(data["custom_value_ids"])
            self.stats.update(data["stats"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"The sandbox state file {path} cannot be read: {exc}",
                hint="Delete it to start from a fresh sandbox.",
            ) from None

    def _check_shops(self, path: Path, saved: int) -> None:
        """A state file holds the listings of the shops it was written with: fewer shops now
        would orphan them (more is fine: the new shops start empty)."""
        if saved > self.config.shops:
            raise ConfigError(
                f"The sandbox state file {path} was written with {saved} shops; "
                f"this sandbox hosts {self.config.shops}.",
                hint=f"start it with `--shops {saved}`, or delete the file to start afresh",
            )


def _listing_counter(shop_id: int) -> str:
    return f"listing:{shop_id}"


TOKEN_STATS = (
    "codes_issued",
    "codes_redeemed",
    "consents_denied",
    "access_tokens_issued",
    "access_tokens_revoked",
    "refresh_tokens_issued",
    "refresh_tokens_rotated",
    "refresh_tokens_revoked",
)
STAT_NAMES = (
    *TOKEN_STATS,
    "listings_created",
    "listings_deleted",
    "listings_published",
    "publish_fees",  # minor units: $0.20 per publish or renewal (etsy-api.md §7)
    "images_uploaded",
    "inventory_updates",
    "purchases",
    "sale_renewals",  # a multi-quantity listing renews after a sale (etsy-api.md §10.17)
    "receipts_canceled",
)


def _listing(d: dict[str, Any]) -> Listing:
    d = dict(d)
    inv = dict(d.pop("inventory"))
    inv["products"] = [_product(p) for p in inv["products"]]
    inv["deleted_products"] = [_product(p) for p in inv["deleted_products"]]
    return Listing(**d, inventory=Inventory(**inv))


def _product(d: dict[str, Any]) -> Product:
    d = dict(d)
    offerings = [Offering(**o) for o in d.pop("offerings")]
    values = [VariationValue(**v) for v in d.pop("property_values")]
    return Product(**d, offerings=offerings, property_values=values)


def _receipt(d: dict[str, Any]) -> Receipt:
    d = dict(d)
    transactions = []
    for t in d.pop("transactions"):
        t = dict(t)
        values = [VariationValue(**v) for v in t.pop("property_values")]
        transactions.append(Transaction(**t, property_values=values))
    return Receipt(**d, transactions=transactions)


def _atomic_write(path: Path, data: bytes) -> None:
    # Write beside the target and rename: a crash mid-write never leaves a torn file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
