"""Baseline: the push a user would write by hand with httpx, on push_throughput's catalog.

One request after another, no limiter, no concurrency: read the shop's shipping profile,
return policy and processing profile once, then per product createDraftListing,
uploadListingImage for each image, updateListingInventory (SKUs, variations, quantities) and,
for an active product, updateListing state=active. On a 429 it sleeps `retry-after` and sends
the same request again; any other error stops it (a script has no resume). It runs on the same
catalog, against the same sandbox limits and latency as benchmark 1, in the same run.

It uses nothing of etsysync but the benchmarks' environment (a connected sandbox shop, whose
access token it borrows, as a user would paste theirs).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

try:
    from benchmarks import common, push_throughput
except ImportError:  # run as a script from benchmarks/
    import common  # type: ignore[no-redef]
    import push_throughput  # type: ignore[no-redef]

CUSTOM_PROPERTIES = (513, 514)  # Etsy's two custom variation properties


class Script:
    """The hand-written client: one httpx.Client, a retry on 429, a count of what it sent."""

    def __init__(self, base: str, api_key: str, token: str) -> None:
        self.http = httpx.Client(
            base_url=base,
            headers={"x-api-key": api_key, "Authorization": f"Bearer {token}"},
            timeout=30,
        )
        self.requests = 0
        self.status_429 = 0

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        while True:
            self.requests += 1
            response = self.http.request(method, path, **kwargs)
            if response.status_code == 429:
                self.status_429 += 1
                time.sleep(float(response.headers.get("retry-after", "1")))
                continue
            if response.is_error:
                raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
            return response.json() if response.content else None


def inventory(doc: dict[str, Any], readiness_id: int) -> dict[str, Any]:
    """The whole inventory of one product: one Etsy product per variant."""
    options = [o["title"] for o in doc.get("options", [])]
    products = []
    for variant in doc["variants"]:
        products.append(
            {
                "sku": variant["sku"],
                "property_values": [
                    {
                        "property_id": CUSTOM_PROPERTIES[n],
                        "property_name": name,
                        "value_ids": [],
                        "values": [variant["options"][name]],
                    }
                    for n, name in enumerate(options)
                ],
                "offerings": [
                    {
                        "price": variant["prices"][0]["amount"],
                        "quantity": variant["inventory_quantity"],
                        "is_enabled": True,
                        "readiness_state_id": readiness_id,
                    }
                ],
            }
        )
    varying = list(CUSTOM_PROPERTIES[: len(options)])
    return {
        "products": products,
        "price_on_property": varying,
        "quantity_on_property": [],
        "sku_on_property": varying,
        "readiness_state_on_property": [],
    }


def push(script: Script, shop_id: int, folder: Path, docs: list[dict[str, Any]]) -> None:
    shipping = script.call("GET", f"/shops/{shop_id}/shipping-profiles")["results"][0]
    policy = script.call("GET", f"/shops/{shop_id}/policies/return")["results"][0]
    readiness = script.call("GET", f"/shops/{shop_id}/readiness-state-definitions")["results"][0]
    for doc in docs:
        first = doc["variants"][0]
        listing = script.call(
            "POST",
            f"/shops/{shop_id}/listings",
            data={
                "quantity": first["inventory_quantity"],
                "title": doc["title"],
                "description": doc["description"],
                "price": first["prices"][0]["amount"],
                "who_made": "i_did",
                "when_made": "made_to_order",
                "is_supply": "false",
                "taxonomy_id": doc["metadata"]["etsy_taxonomy_id"],
                "shipping_profile_id": shipping["shipping_profile_id"],
                "return_policy_id": policy["return_policy_id"],
                "readiness_state_id": readiness["readiness_state_id"],
                "tags": ",".join(doc["tags"]),
                "materials": doc["material"],
            },
        )
        listing_id = listing["listing_id"]
        for rank, image in enumerate([doc["thumbnail"], *doc["images"]], start=1):
            script.call(
                "POST",
                f"/shops/{shop_id}/listings/{listing_id}/images",
                files={"image": (Path(image).name, (folder / image).read_bytes(), "image/png")},
                data={"rank": rank},
            )
        script.call(
            "PUT",
            f"/listings/{listing_id}/inventory",
            json=inventory(doc, readiness["readiness_state_id"]),
        )
        if doc["metadata"]["etsy_state"] == "active":
            script.call(
                "PATCH", f"/shops/{shop_id}/listings/{listing_id}", data={"state": "active"}
            )


def measure(
    *,
    size: int = push_throughput.PRODUCTS,
    rps: int = push_throughput.LIMIT,
    rpd: int = 10_000,
    jitter_ms: tuple[int, int] | None = push_throughput.JITTER_MS,
) -> dict[str, Any]:
    limit = rps
    with common.environment(rps=rps, rpd=rpd, jitter_ms=jitter_ms) as env:
        folder = env.home / "catalog"
        docs = push_throughput.catalog(folder, size)
        config = env.sandbox.config
        script = Script(
            env.sandbox.api_url.rstrip("/") + "/application",
            f"{config.keystring}:{config.shared_secret}",
            env.session.tokens.load().access_value(),
        )
        env.sandbox.clear_request_log()
        started = time.perf_counter()
        try:
            push(script, env.session.account.shop_id, folder, docs)
        finally:
            script.http.close()
        wall = time.perf_counter() - started
        log = env.api_log()
        by_kind = common.kinds(log)
        return {
            "products": size,
            "requests": script.requests,
            "wall_seconds": round(wall, 2),
            "achieved_rps": round(script.requests / wall, 3),
            "share_of_limit": round(script.requests / wall / limit, 3),
            "requests_per_product": round(script.requests / size, 2),
            "status_429": sum(1 for e in log if e["status"] == 429),
            "per_product": {k: round(n / size, 2) for k, n in sorted(by_kind.items())},
        }


def run(ours: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The baseline beside etsysync's push: `ours` is benchmark 1's result from the same run
    (its best concurrency); without it, etsysync's push is measured here first."""
    if ours is None:
        ours = push_throughput.run((max(push_throughput.CONCURRENCIES),))
    best = next(r for r in ours["runs"] if r["concurrency"] == ours["best_concurrency"])
    base = measure(size=best["products"])
    ours_row = {
        "wall_seconds": best["wall_seconds"],
        "achieved_rps": best["achieved_rps"],
        "requests_per_product": round(best["requests"] / best["products"], 2),
        "status_429": best["status_429"],
    }
    ratio = {
        "wall_time": round(base["wall_seconds"] / best["wall_seconds"], 2),
        "requests_per_second": round(best["achieved_rps"] / base["achieved_rps"], 2),
        "requests_per_product": round(
            ours_row["requests_per_product"] / base["requests_per_product"], 2
        ),
    }
    rows = [
        [
            "wall time, s",
            ours_row["wall_seconds"],
            base["wall_seconds"],
            f"{ratio['wall_time']}x faster",
        ],
        [
            "requests/second",
            ours_row["achieved_rps"],
            base["achieved_rps"],
            f"{ratio['requests_per_second']}x",
        ],
        [
            "requests per product",
            ours_row["requests_per_product"],
            base["requests_per_product"],
            f"{ratio['requests_per_product']}x",
        ],
        ["429s", ours_row["status_429"], base["status_429"], ""],
    ]
    print(
        f"{best['products']} products, {push_throughput.LIMIT}/s, latency "
        f"{push_throughput.JITTER_MS[0]}-{push_throughput.JITTER_MS[1]} ms"
    )
    print(
        common.table(
            ["", f"etsysync (concurrency {best['concurrency']})", "baseline", "ratio"], rows
        )
    )
    result = {
        "limit_per_second": push_throughput.LIMIT,
        "latency_ms": list(push_throughput.JITTER_MS),
        "ours": {"concurrency": best["concurrency"], **ours_row},
        "baseline": base,
        "ratio": ratio,
        "ok": True,
    }
    common.save("baseline", result)
    return result
