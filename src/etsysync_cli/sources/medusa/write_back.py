"""Writing each product's Etsy link into its Medusa metadata (`medusa.write_back`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from etsysync_cli.config import Settings
from etsysync_cli.errors import EtsysyncError
from etsysync_cli.sources.medusa.client import MedusaAuthError, MedusaClient, MedusaRetryPolicy
from etsysync_cli.sources.medusa.products import MedusaSource

# --- writing the Etsy link back -------------------------------------------------------------------


@dataclass(frozen=True)
class EtsyLink:
    """What is written into a Medusa product's metadata about its Etsy listing."""

    product_id: str
    etsy_listing_id: int
    etsy_url: str | None
    etsy_sync_status: str
    etsy_last_synced_at: str | None

    def values(self) -> dict[str, Any]:
        return {
            "etsy_listing_id": str(self.etsy_listing_id),
            "etsy_url": self.etsy_url,
            "etsy_sync_status": self.etsy_sync_status,
            "etsy_last_synced_at": self.etsy_last_synced_at,
        }


# (kind, message, product_id, data): a feed event, recorded by the caller.
Report = Callable[[str, str, str | None, dict[str, Any]], None]


def write_back(
    settings: Settings,
    url: str,
    etsy_links: Iterable[EtsyLink],
    report: Report,
    *,
    home: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    retry: MedusaRetryPolicy | None = None,
) -> None:
    """Put each product's Etsy link into its Medusa metadata (`medusa.write_back`). Failures
    are reported as events; nothing here raises an expected error (the Etsy sync is done and
    stays done)."""
    written, failed = 0, 0

    def failure(message: str, product_id: str | None = None) -> None:
        report("write_back_failed", message, product_id, {})

    try:
        source = MedusaSource.open(settings, home=home, url=url, transport=transport, retry=retry)
    except EtsysyncError as exc:
        failure(f"could not write the Etsy links back to Medusa: {exc.message}")
        return
    with source:
        for link in etsy_links:
            try:
                if _write_link(source.client, link.product_id, link.values()):
                    written += 1
            except MedusaAuthError as exc:
                failure(f"could not write the Etsy links back to Medusa: {exc.message}")
                return
            except EtsysyncError as exc:
                failed += 1
                failure(
                    f"could not write the Etsy link into Medusa product {link.product_id}: "
                    f"{exc.message}",
                    link.product_id,
                )
    if written or failed:
        report(
            "write_back_done",
            f"Etsy links written into {written} Medusa product(s)"
            + (f", {failed} failed" if failed else ""),
            None,
            {"written": written, "failed": failed},
        )


def _write_link(client: MedusaClient, product_id: str, values: dict[str, Any]) -> bool:
    """Merge `values` into the product's metadata, keeping every other key. False: no change."""
    path = f"/admin/products/{quote(product_id, safe='')}"
    answer = client.get(path, [("fields", "id,metadata")])
    product = answer.get("product")
    current = product.get("metadata") if isinstance(product, dict) else None
    metadata = dict(current) if isinstance(current, dict) else {}
    if all(metadata.get(key) == value for key, value in values.items()):
        return False
    client.post(path, {"metadata": {**metadata, **values}}, [("fields", "id")])
    return True
