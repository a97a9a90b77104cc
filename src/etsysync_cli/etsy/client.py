"""The Etsy Open API v3 client: one `httpx.Client` per run, one typed method per operation.

Every request:
- carries `x-api-key: KEYSTRING:SHARED_SECRET` and `User-Agent: etsysync/<version>`, plus the
  bearer token when an `auth` (auth.BearerAuth) is given;
- waits for the shared `RateLimiter` and feeds it the response headers (httpx event hooks, so a
  401 replay by the auth flow is counted and spaced too);
- goes through the `RetryPolicy` (transient failures only; creates and uploads are not retried on
  5xx, see retry.py);
- raises only `etsysync_cli.errors` exceptions carrying Etsy's own text (responses.py).

Methods name the Etsy operation they call. Thread-safe: workers share one client.
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, SecretStr, ValidationError

from etsysync_cli.config import ETSY_API_URL
from etsysync_cli.domain.listing import ListingInventory
from etsysync_cli.errors import ConfigError, EtsyError, QuotaExhaustedError
from etsysync_cli.etsy.defaults import DEFAULT_TIMEOUT, USER_AGENT, api_base
from etsysync_cli.etsy.events import RequestStats
from etsysync_cli.etsy.forms import INVENTORY_ONLY, FormValue, encode_form
from etsysync_cli.etsy.inventory import EtsyInventory, inventory_body
from etsysync_cli.etsy.models import (
    Listing,
    ListingImage,
    Me,
    Pong,
    ProductionPartner,
    ReadinessStateDefinition,
    Receipt,
    ReturnPolicy,
    ShippingProfile,
    Shop,
    TaxonomyNode,
    TaxonomyProperty,
)
from etsysync_cli.etsy.ratelimit import OPERATION_KEY, RateLimiter, meter_hooks
from etsysync_cli.etsy.responses import connection_error, error_from_response
from etsysync_cli.etsy.retry import RetryPolicy

M = TypeVar("M", bound=BaseModel)

MAX_PAGE = 100  # Etsy's maximum `limit`
MAX_BATCH = 100  # listing ids per batch call
WRITABLE_STATES = ("active", "inactive")


class EtsyClient:
    def __init__(
        self,
        api_url: str = ETSY_API_URL,
        keystring: str = "",
        shared_secret: str | SecretStr = "",
        *,
        auth: httpx.Auth | None = None,
        transport: httpx.BaseTransport | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    ) -> None:
        secret = (
            shared_secret.get_secret_value()
            if isinstance(shared_secret, SecretStr)
            else shared_secret
        )
        if not keystring or not secret:
            raise ConfigError(
                "the Etsy app's keystring and shared secret are both needed",
                hint="see `etsysync config show` (etsy.keystring, etsy.shared_secret)",
            )
        if ":" in keystring:
            raise ConfigError("the Etsy keystring must not contain ':'")
        self.api_url = api_url.rstrip("/")
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.retry = retry if retry is not None else RetryPolicy()
        self.clock_offset = 0.0  # seconds Etsy's clock is ahead of ours (the Date header)
        self.clock_read = False  # whether an answer's Date header has set clock_offset yet
        self._http = httpx.Client(
            base_url=api_base(self.api_url),
            auth=auth,
            transport=transport,
            event_hooks=meter_hooks(self.limiter),
            timeout=timeout,
            headers={
                "x-api-key": f"{keystring}:{secret}",
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
            follow_redirects=False,
        )

    @property
    def stats(self) -> RequestStats:
        return self.limiter.stats

    def __repr__(self) -> str:
        return f"EtsyClient(api_url={self.api_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EtsyClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- plumbing -------------------------------------------------------------------------------

    def etsy_time(self, moment: datetime) -> datetime:
        """A time of this machine's clock on Etsy's clock (as last measured, see `_read_clock`)."""
        return moment + timedelta(seconds=self.clock_offset)

    def _read_clock(self, response: httpx.Response) -> None:
        """How far Etsy's clock is from ours, from the `Date` header of its answer (to the
        second, plus the time the answer took): what a comparison with Etsy's timestamps must
        add to a time of our clock."""
        header = response.headers.get("date")
        if not header:
            return
        try:
            etsy_now = parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return
        if etsy_now.tzinfo is not None:
            self.clock_offset = etsy_now.timestamp() - time.time()
            self.clock_read = True

    def request(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        params: Mapping[str, str | int] | None = None,
        data: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
        json_body: str | None = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """One Etsy call with rate limiting, retries and error mapping; a 2xx response."""
        headers = {"Content-Type": "application/json"} if json_body is not None else None
        content = json_body.encode("utf-8") if json_body is not None else None

        def attempt() -> httpx.Response:
            try:
                response = self._http.request(
                    method,
                    path,
                    params=params,
                    data=data,
                    files=files,
                    content=content,
                    headers=headers,
                    extensions={OPERATION_KEY: operation},
                )
            except httpx.TransportError as exc:
                self.stats.record_connection_error(operation, type(exc).__name__)
                raise connection_error(exc) from exc
            self._read_clock(response)
            if not response.is_success:
                error = error_from_response(response, quota_threshold=self.limiter.quota_threshold)
                if isinstance(error, QuotaExhaustedError):
                    self.limiter.mark_quota_exhausted(error.retry_after)
                raise error
            return response

        def on_retry(attempt_number: int, wait: float, exc: BaseException) -> None:
            self.stats.record_retry(operation, attempt_number, wait, str(exc))

        return self.retry.call(attempt, idempotent=idempotent, on_retry=on_retry)

    @staticmethod
    def _json(response: httpx.Response, operation: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise EtsyError(
                f"Etsy's reply to {operation} is not JSON", status=response.status_code
            ) from None

    def _parse(self, model: type[M], response: httpx.Response, operation: str) -> M:
        try:
            return model.model_validate(self._json(response, operation))
        except ValidationError as exc:
            raise _unexpected(operation, exc, response.status_code) from None

    def _parse_page(
        self, model: type[M], response: httpx.Response, operation: str
    ) -> tuple[int, list[M]]:
        count, _, results = self._read_page(model, response, operation)
        return count, results

    def _read_page(
        self, model: type[M], response: httpx.Response, operation: str
    ) -> tuple[int, int, list[M]]:
        """`(count, records on this page, the readable ones)`."""
        data = self._json(response, operation)
        if not isinstance(data, dict) or not isinstance(data.get("results", []), list):
            raise EtsyError(f"Etsy's reply to {operation} is not a list of results")
        results: list[M] = []
        raw = data.get("results") or []
        for item in raw:
            try:
                results.append(model.model_validate(item))
            except ValidationError as exc:
                # One record etsysync cannot read (no id at all) never hides the rest of the
                # page (etsy-api.md §10.2); it is counted so a caller can say so.
                self.stats.record_unreadable(operation, _problems(exc))
        count = data.get("count")
        return (count if isinstance(count, int) else len(raw)), len(raw), results

    def _list(
        self,
        model: type[M],
        path: str,
        operation: str,
        params: Mapping[str, str | int] | None = None,
    ) -> list[M]:
        return self._parse_page(
            model, self.request("GET", path, operation, params=params), operation
        )[1]

    def _paginate(
        self,
        model: type[M],
        path: str,
        operation: str,
        params: Mapping[str, str | int],
        page_size: int,
    ) -> Iterator[M]:
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE}")
        offset = 0
        while True:
            query = {**params, "limit": page_size, "offset": offset}
            response = self.request("GET", path, operation, params=query)
            count, results = self._parse_page(model, response, operation)
            yield from results
            offset += len(results)
            if not results or offset >= count:
                return

    # --- application and user -------------------------------------------------------------------

    def ping(self) -> int:
        """ping: the application id (checks the API key)."""
        response = self.request("GET", "/openapi-ping", "ping")
        return self._parse(Pong, response, "ping").application_id

    def get_me(self) -> Me:
        """getMe: the connected user and shop."""
        return self._parse(Me, self.request("GET", "/users/me", "getMe"), "getMe")

    # --- shop -----------------------------------------------------------------------------------

    def get_shop(self, shop_id: int) -> Shop:
        """getShop."""
        return self._parse(Shop, self.request("GET", f"/shops/{shop_id}", "getShop"), "getShop")

    def get_shop_by_owner(self, user_id: int) -> Shop:
        """getShopByOwnerUserId."""
        op = "getShopByOwnerUserId"
        return self._parse(Shop, self.request("GET", f"/users/{user_id}/shops", op), op)

    def get_shipping_profiles(self, shop_id: int) -> list[ShippingProfile]:
        """getShopShippingProfiles."""
        op = "getShopShippingProfiles"
        return self._list(ShippingProfile, f"/shops/{shop_id}/shipping-profiles", op)

    def get_return_policies(self, shop_id: int) -> list[ReturnPolicy]:
        """getShopReturnPolicies."""
        return self._list(
            ReturnPolicy, f"/shops/{shop_id}/policies/return", "getShopReturnPolicies"
        )

    def get_readiness_state_definitions(self, shop_id: int) -> list[ReadinessStateDefinition]:
        """getShopReadinessStateDefinitions (processing profiles), every page."""
        path = f"/shops/{shop_id}/readiness-state-definitions"
        op = "getShopReadinessStateDefinitions"
        return list(self._paginate(ReadinessStateDefinition, path, op, {}, MAX_PAGE))

    def get_production_partners(self, shop_id: int) -> list[ProductionPartner]:
        """getShopProductionPartners (shops_r): the partners a listing can name."""
        op = "getShopProductionPartners"
        return self._list(ProductionPartner, f"/shops/{shop_id}/production-partners", op)

    # --- sales ----------------------------------------------------------------------------------

    def iter_shop_receipts(
        self, shop_id: int, *, min_last_modified: int | None = None, page_size: int = MAX_PAGE
    ) -> Iterator[Receipt]:
        """getShopReceipts (transactions_r): the receipts changed since `min_last_modified`
        (Etsy's epoch seconds, inclusive), least recently changed first, each with its
        transactions embedded.

        Paged by the last change rather than by offset alone: each page asks again from the
        newest `updated_timestamp` it saw, skipping only the receipts of that very second it
        already has. A receipt changed while the pages are read moves behind the ones still to
        come and is read again (harmless to a caller that records idempotently), where plain
        offsets would shift the rest of the list and skip one. One request per `page_size`
        receipts. (U) Etsy's order among receipts of the same second is assumed stable; only
        a receipt of the very second a page ended on, changed mid-read, can still shift one.
        """
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE}")
        op = "getShopReceipts"
        path = f"/shops/{shop_id}/receipts"
        low, skip = min_last_modified, 0
        while True:
            params: dict[str, str | int] = {
                "sort_on": "updated",
                "sort_order": "asc",
                "limit": page_size,
                "offset": skip,
            }
            if low is not None:
                params["min_last_modified"] = low
            response = self.request("GET", path, op, params=params)
            count, on_page, receipts = self._read_page(Receipt, response, op)
            yield from receipts
            if not on_page or skip + on_page >= count:
                return
            times = [r.updated_timestamp for r in receipts if r.updated_timestamp is not None]
            newest = max(times, default=None)
            if newest is not None and (low is None or newest > low):
                # A receipt without a readable time counts as unseen: read again, not skipped.
                low, skip = newest, sum(1 for r in receipts if r.updated_timestamp == newest)
            else:
                skip += on_page

    # --- taxonomy -------------------------------------------------------------------------------

    def get_seller_taxonomy_nodes(self) -> list[TaxonomyNode]:
        """getSellerTaxonomyNodes: the whole tree (top-level nodes with nested children)."""
        return self._list(TaxonomyNode, "/seller-taxonomy/nodes", "getSellerTaxonomyNodes")

    def get_taxonomy_properties(self, taxonomy_id: int) -> list[TaxonomyProperty]:
        """getPropertiesByTaxonomyId."""
        path = f"/seller-taxonomy/nodes/{taxonomy_id}/properties"
        return self._list(TaxonomyProperty, path, "getPropertiesByTaxonomyId")

    # --- listings -------------------------------------------------------------------------------

    def create_draft_listing(self, shop_id: int, fields: Mapping[str, FormValue]) -> Listing:
        """createDraftListing (form-encoded). Not retried on 5xx or after the request was sent:
        a 500 may still have created the draft, so the caller must look for it first."""
        op = "createDraftListing"
        response = self.request(
            "POST", f"/shops/{shop_id}/listings", op, data=encode_form(fields), idempotent=False
        )
        return self._parse(Listing, response, op)

    def get_listing(self, listing_id: int, includes: Sequence[str] = ()) -> Listing:
        """getListing, with associations such as `Images` when asked."""
        params = {"includes": ",".join(includes)} if includes else None
        response = self.request("GET", f"/listings/{listing_id}", "getListing", params=params)
        return self._parse(Listing, response, "getListing")

    def iter_listings_by_shop(
        self,
        shop_id: int,
        state: str = "active",
        page_size: int = MAX_PAGE,
        includes: Sequence[str] = (),
    ) -> Iterator[Listing]:
        """getListingsByShop, page after page (limit/offset) until `count` is reached.

        Etsy caps `offset` at 12000, so a shop with more listings in one state cannot be listed
        fully this way (Etsy answers 400 past it).
        """
        params: dict[str, str | int] = {"state": state}
        if includes:
            params["includes"] = ",".join(includes)
        path = f"/shops/{shop_id}/listings"
        return self._paginate(Listing, path, "getListingsByShop", params, page_size)

    def get_listings_by_ids(
        self, ids: Sequence[int], includes: Sequence[str] = ()
    ) -> list[Listing]:
        """getListingsByListingIds (at most 100 ids; none → no request)."""
        return self._batch("/listings/batch", "getListingsByListingIds", ids, includes)

    def get_listings_inventory_by_ids(self, ids: Sequence[int]) -> list[Listing]:
        """getListingsInventoryByListingIds: listings with `inventory` filled (≤100 ids).
        One unknown id makes Etsy answer 404 for the whole batch."""
        return self._batch("/listings/batch/inventory", "getListingsInventoryByListingIds", ids, ())

    def _batch(
        self, path: str, op: str, ids: Sequence[int], includes: Sequence[str]
    ) -> list[Listing]:
        if len(ids) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} listing ids per call, got {len(ids)}")
        if not ids:
            return []
        params = {"listing_ids": ",".join(str(i) for i in ids)}
        if includes:
            params["includes"] = ",".join(includes)
        return self._list(Listing, path, op, params)

    def update_listing(
        self, shop_id: int, listing_id: int, fields: Mapping[str, FormValue]
    ) -> Listing:
        """updateListing (PATCH, form-encoded). Price, quantity, SKU and processing profile are
        refused here (ValueError): Etsy changes them only through the inventory."""
        refused = sorted(INVENTORY_ONLY & set(fields))
        if refused:
            raise ValueError(
                f"updateListing cannot change {', '.join(refused)}; use update_listing_inventory"
            )
        state = fields.get("state")
        if state is not None and state not in WRITABLE_STATES:
            raise ValueError(f"updateListing sets state to active or inactive only, not {state!r}")
        op = "updateListing"
        path = f"/shops/{shop_id}/listings/{listing_id}"
        response = self.request("PATCH", path, op, data=encode_form(fields))
        return self._parse(Listing, response, op)

    def delete_listing(self, listing_id: int) -> None:
        """deleteListing (needs the listings_d scope)."""
        self.request("DELETE", f"/listings/{listing_id}", "deleteListing")

    # --- images ---------------------------------------------------------------------------------

    def upload_listing_image(
        self,
        shop_id: int,
        listing_id: int,
        data: bytes,
        filename: str,
        rank: int | None = None,
        overwrite: bool = False,
        alt_text: str | None = None,
    ) -> ListingImage:
        """uploadListingImage (multipart). Not retried on 5xx (the image may have been attached);
        Etsy's reply has carried another image's URLs, so re-read with get_listing_images."""
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        form: dict[str, FormValue] = {"rank": rank, "alt_text": alt_text}
        if overwrite:
            form["overwrite"] = True
        op = "uploadListingImage"
        response = self.request(
            "POST",
            f"/shops/{shop_id}/listings/{listing_id}/images",
            op,
            data=encode_form(form),
            files={"image": (filename, data, content_type)},
            idempotent=False,
        )
        return self._parse(ListingImage, response, op)

    def get_listing_images(self, listing_id: int) -> list[ListingImage]:
        """getListingImages."""
        return self._list(ListingImage, f"/listings/{listing_id}/images", "getListingImages")

    def delete_listing_image(self, shop_id: int, listing_id: int, image_id: int) -> None:
        """deleteListingImage (Etsy keeps a copy that can be re-attached by id)."""
        path = f"/shops/{shop_id}/listings/{listing_id}/images/{image_id}"
        self.request("DELETE", path, "deleteListingImage")

    # --- inventory ------------------------------------------------------------------------------

    def get_listing_inventory(self, listing_id: int, show_deleted: bool = False) -> EtsyInventory:
        """getListingInventory."""
        params = {"show_deleted": "true"} if show_deleted else None
        op = "getListingInventory"
        response = self.request("GET", f"/listings/{listing_id}/inventory", op, params=params)
        return self._parse(EtsyInventory, response, op)

    def update_listing_inventory(
        self,
        listing_id: int,
        inventory: ListingInventory,
        *,
        max_variations_supported: int | None = None,
    ) -> EtsyInventory:
        """updateListingInventory (JSON PUT): a full replacement, so send every product."""
        params = (
            {"max_variations_supported": str(max_variations_supported)}
            if max_variations_supported is not None
            else None
        )
        op = "updateListingInventory"
        response = self.request(
            "PUT",
            f"/listings/{listing_id}/inventory",
            op,
            params=params,
            json_body=inventory_body(inventory),
        )
        return self._parse(EtsyInventory, response, op)


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or 'body'}: {error['msg']}"
        for error in exc.errors(include_input=False, include_url=False)[:3]
    )


def _unexpected(operation: str, exc: ValidationError, status: int) -> EtsyError:
    return EtsyError(
        f"Etsy's reply to {operation} is not what etsysync expects ({_problems(exc)})",
        status=status,
    )
