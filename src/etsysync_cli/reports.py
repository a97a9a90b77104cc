"""Every `--json` document etsysync prints, defined once as a typed model.

The flows build these; the CLI prints them (`cli/views.print_json`) or renders them as tables.
The JSON reference in README is generated from the field descriptions here
(`python -m etsysync_cli.docs`), and a test checks each command's real output against its
model (unknown fields are refused, so output and documentation cannot drift apart).

Times are ISO 8601 UTC with a `Z` (clock.py); prices are decimal strings ("28.00").
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Report(BaseModel):
    # Each model's validator is built when the model is first used, not at import: a command
    # builds its own few documents, and building all of them cost more than the rest of
    # `status` (issue 17).
    model_config = ConfigDict(extra="forbid", defer_build=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


# --- plans and jobs ------------------------------------------------------------------------------


class EtsyChangeReport(Report):
    """One field Etsy holds differently from what etsysync last pushed (issue 14)."""

    field: str = Field(
        description="A listing field (`title`, `tags`, …), `state`, `images`, `variants` (the "
        "variations changed), or a variant's `variants[SKU].price` / `.quantity` / `.sku`."
    )
    synced: Any = Field(description="What etsysync last pushed.")
    etsy: Any = Field(description="What Etsy holds now.")
    store: Any = Field(description="What the store holds now.")
    resolution: Literal["keep_etsy", "store_wins", "conflict_store_wins"] = Field(
        description="`keep_etsy`: Etsy's value stays (edited on Etsy, the store unchanged; "
        "`sync.etsy_edits`); `store_wins`: the store's value is pushed over it "
        "(`--overwrite-etsy-edits`, `--reactivate`, or a restock on top of Etsy's quantity); "
        "`conflict_store_wins`: both changed, or the store changed a kept field: the store's "
        "value is pushed."
    )


class ChangeReport(Report):
    """One change an update makes, with the value before and after (issue 16)."""

    field: str = Field(
        description="A listing field (`title`, `tags`, …), `price` or `quantity` (of the "
        "variant `sku`, or of the listing when it has no variants), `sku`, `variant` (a variant "
        "added or removed: `PRICE, qty N`), `images` or `state`."
    )
    old: Any = Field(
        description="What the listing holds: Etsy's value when the plan read Etsy, else what "
        "etsysync last pushed; null when not known (an adopted listing not read) or added."
    )
    new: Any = Field(description="What the push sends; null for a variant removed.")
    sku: str | None = Field(
        default=None, description="The variant (its SKU, else its variation values)."
    )
    added: Any = Field(
        default=None, description="Tags and materials: the values added; images: how many."
    )
    removed: Any = Field(
        default=None, description="Tags and materials: the values removed; images: how many."
    )
    moved: int | None = Field(
        default=None, description="Images: how many kept images change place."
    )


class PlanItem(Report):
    """One product of a plan: what the plan does with it and, after a run, what happened."""

    product_id: str = Field(description="The product's id in the source (Medusa id or handle).")
    action: Literal["create", "update", "unchanged", "invalid", "orphaned", "deactivate"] = Field(
        description="`create`, `update`, `unchanged`, `invalid` (never sent), `orphaned` "
        "(linked, but gone from the source: only `--prune` deactivates it) or `deactivate` (an "
        "orphan that this plan, made with `--prune`, deactivates)."
    )
    title: str | None = Field(description="The listing title.")
    listing_id: int | None = Field(description="The Etsy listing, once there is one.")
    changes: list[str] = Field(
        description="For updates, what is sent: `fields`, `images`, `inventory`, `state`."
    )
    changed_fields: list[str] = Field(description="For updates, the listing fields that differ.")
    warnings: list[str] = Field(
        description="What etsysync changed, left out or noticed to list the product, each naming "
        "what it concerns (tags beyond Etsy's 13, a tag or material mended, stock capped at "
        "999, …). Never blocks the product; the review table shows them too."
    )
    reasons: list[str] = Field(
        description="For `invalid`, `orphaned` and `deactivate`: why, in plain words."
    )
    outcome: Literal["synced", "failed"] | None = Field(
        description="After a run: `synced` or `failed`; null before (or if not pushed)."
    )
    error: str | None = Field(description="Why the push failed, with Etsy's own message.")
    currency_code: str | None = Field(
        default=None, description="Valid products: the shop currency the prices are in."
    )
    price_min: str | None = Field(default=None, description="Valid products: lowest price.")
    price_max: str | None = Field(default=None, description="Valid products: highest price.")
    quantity: int | None = Field(default=None, description="Valid products: total quantity.")
    images: int | None = Field(default=None, description="Valid products: number of images.")
    variants: int | None = Field(default=None, description="Valid products: inventory products.")
    state: str | None = Field(
        default=None, description="Valid products: the wanted state, `draft` or `active`."
    )
    etsy_state: str | None = Field(
        default=None,
        description="Linked products: the listing's state on Etsy when the plan read it "
        "(`active`, `draft`, `inactive`, `sold_out`, `expired`), `deleted` when it is gone, "
        "null when Etsy was not read (`--no-refresh`, or no listing yet).",
    )
    etsy_changes: list[EtsyChangeReport] = Field(
        default_factory=list,
        description="What Etsy holds differently from what etsysync last pushed, field by "
        "field, and what the push does about it.",
    )
    sold_on_etsy: int = Field(
        default=0, description="Units that left Etsy since the last push (bought there)."
    )
    diff: list[ChangeReport] = Field(
        default_factory=list,
        description="For updates: each change with its old and new value (the review's "
        "`old → new`): the fields in `changed_fields`, prices and quantities per variant, "
        "images, state.",
    )


class PlanDocument(Report):
    """`plan --json` and `retry --json`: the staged plan and every item."""

    transaction_id: str = Field(description="The plan's id, for `etsysync confirm TXN`.")
    status: str = Field(description="The job status: `pending` right after planning.")
    expires_at: str = Field(description="When the plan can no longer be confirmed.")
    counts: dict[str, int] = Field(description="Items per action.")
    to_push: int = Field(description="Items `confirm` will push.")
    deactivations: int = Field(
        description="Listings the push deactivates (`--prune`: products gone from the source)."
    )
    prune_withheld: str | None = Field(
        description="Why `--prune` deactivates nothing this time (the source looks incomplete), "
        "and how to confirm it."
    )
    skipped: int = Field(description="Products not published in the store (not planned).")
    estimated_requests: int = Field(description="Etsy requests the push is expected to make.")
    estimated_seconds: float = Field(description="Their time at Etsy's 10 requests/second.")
    publish_fees_usd: str = Field(description="Listing fees of listings that go active ($0.20).")
    notes: list[str] = Field(description="Defaults filled in, possible duplicates, and so on.")
    refreshed: bool = Field(
        default=False,
        description="Whether the plan read what Etsy holds now for every linked listing "
        "(false with `--no-refresh`: edits made on Etsy since the last plan are not seen).",
    )
    refresh_requests: int = Field(
        default=0, description="Etsy requests that reading spent (2 per 100 linked listings)."
    )
    items: list[PlanItem] = Field(description="Every product of the plan, in source order.")


class ErrorLogEntry(Report):
    product_id: str = Field(description="The product that failed.")
    title: str | None = Field(description="Its title.")
    error: str | None = Field(description="Why, in plain words.")


class JobReport(Report):
    """A sync job: a staged plan and its run."""

    transaction_id: str = Field(description="The job's id.")
    status: Literal[
        "pending",
        "confirmed",
        "processing",
        "paused",
        "completed",
        "failed",
        "cancelled",
        "expired",
        "superseded",
    ] = Field(
        description="`pending` (staged), `confirmed` (about to start), `processing`, `paused` "
        "(stopped part-way, `confirm` resumes), `completed`, `failed` (some items failed), "
        "`cancelled` (by the user), `expired`, `superseded` (replaced by a newer plan, named in "
        "`superseded_by`: before confirm, or after its run stopped part-way)."
    )
    source: str = Field(description="Where the products came from, e.g. `file:/path`.")
    total_products: int = Field(description="Items to push.")
    synced_count: int = Field(description="Items pushed successfully.")
    failed_count: int = Field(description="Items that failed.")
    invalid_count: int = Field(
        description="Products not sent because invalid (`counts.invalid`; their reasons are in "
        "`status TXN --failed`). Not failures: `sync --fail-on-invalid` makes them exit 3."
    )
    counts: dict[str, int] = Field(description="Items per action, as planned.")
    error_log: list[ErrorLogEntry] = Field(description="The failures, in order.")
    created_at: str = Field(description="When it was planned.")
    expires_at: str = Field(description="When an unconfirmed plan expires.")
    confirmed_at: str | None = Field(description="When it was confirmed.")
    started_at: str | None = Field(description="When its run started.")
    completed_at: str | None = Field(description="When it ended (completed, failed, closed).")
    superseded_by: str | None = Field(
        default=None, description="For a superseded plan: the transaction id that replaced it."
    )


class RunDocument(JobReport):
    """`confirm --json`: the job after the run."""

    requests: int = Field(description="Etsy requests this run made.")
    stop_reason: str | None = Field(description="Why the run stopped early (it is resumable).")


class JobDocument(JobReport):
    """`status TXN --json`: the job and its items."""

    items: list[PlanItem] = Field(
        description="The job's items (with `--failed`: failed and invalid ones only)."
    )


class BackgroundDocument(Report):
    """`confirm --background --json`: the detached run."""

    transaction_id: str = Field(description="The job being pushed.")
    pid: int = Field(description="The process id of the run.")
    log_file: str = Field(description="Where its output goes.")


# --- status --------------------------------------------------------------------------------------


class AccountSummary(Report):
    shop_id: int = Field(description="The Etsy shop id.")
    shop_name: str = Field(description="The shop's name.")
    is_active: bool = Field(description="Whether it is the account commands use by default.")


class LinkReport(Report):
    """`status --product ID --json`: one product's link to its listing."""

    product_id: str = Field(description="The product's id in the source.")
    sync_status: Literal["pending", "synced", "failed", "out_of_sync", "invalid"] = Field(
        description="`pending` (a plan or a run has it), `synced`, `failed`, `out_of_sync` (the "
        "store changed since the last push, adopted and differing, or Etsy holds something "
        "else: see `etsy_differs`), `invalid` (the latest plan did not send it: see `reasons`; "
        "a listing it had is left as it was)."
    )
    etsy_listing_id: int | None = Field(description="The listing, once there is one.")
    etsy_url: str | None = Field(
        description="Its public page when active; a draft has no public page, so this is the "
        "shop manager's edit page."
    )
    listing_state: str | None = Field(description="The listing's state as last seen.")
    etsy_state: str | None = Field(
        default=None,
        description="The listing's state on Etsy at the last plan that read it (`deleted` when "
        "gone); null when no plan has read it.",
    )
    etsy_differs: list[str] = Field(
        default_factory=list,
        description="What Etsy holds differently from the store, as the last plan saw it: the "
        "fields edited on Etsy and kept, `state`, or `deleted`. Non-empty makes a synced "
        "product `out_of_sync`.",
    )
    images: int = Field(description="Images on the listing as last synced.")
    last_synced_at: str | None = Field(description="When it was last pushed successfully.")
    sync_error: str | None = Field(description="Why the last push failed.")
    reasons: list[str] = Field(
        default_factory=list, description="For `invalid`: why, as the latest plan said it."
    )


class AppQuota(Report):
    """What Etsy last said of the app's daily quota (shared by every shop using its keystring)."""

    limit_per_day: int | None = Field(description="Requests the app may make in 24 hours.")
    remaining_today: int | None = Field(description="Requests left in the sliding 24 hours.")
    seen_at: str = Field(description="When Etsy said so (the last answer any etsysync saw).")


class StatusDocument(Report):
    """`status --json`: the shops, the active shop's link counts and its recent jobs."""

    accounts: list[AccountSummary] = Field(description="Every connected shop.")
    active_shop: str | None = Field(description="The shop name in use, or null.")
    links: dict[str, int] = Field(
        description="Products per status (`pending`, `synced`, `failed`, `out_of_sync`, "
        "`invalid`): an invalid product counts as `invalid` only, linked or not."
    )
    jobs: list[JobReport] = Field(description="Recent jobs, newest first.")
    failed: list[LinkReport] | None = Field(
        default=None,
        description="With `--failed`: the failed products, then the invalid ones with their "
        "reasons.",
    )
    app_quota: AppQuota | None = Field(
        default=None,
        description="The active shop's Etsy app: what is left of its daily quota, from the last "
        "answer any etsysync process of this app home saw; null before the first request.",
    )


class FeedEvent(Report):
    created_at: str = Field(description="When it happened.")
    kind: str = Field(description="What happened, e.g. `job_completed`.")
    transaction_id: str | None = Field(description="The job it belongs to, if any.")
    product_id: str | None = Field(description="The product it is about, if any.")
    message: str = Field(description="In plain words.")


class FeedDocument(Report):
    """`status --feed --json`: the newest events first."""

    events: list[FeedEvent] = Field(description="The newest events, newest first.")


class WebhookEvent(Report):
    """The body POSTed to `notify.webhook_url` for each job event (at least once: receivers
    de-duplicate on `id`)."""

    id: int = Field(description="Unique and increasing; use it to de-duplicate.")
    event: str = Field(description="The event kind, e.g. `job_completed`.")
    created_at: str = Field(description="When it happened.")
    message: str = Field(description="In plain words.")
    transaction_id: str | None = Field(description="The job's id, when it belongs to one.")
    product_id: str | None = Field(description="The product, when it is about one.")
    shop_id: int | None = Field(description="The Etsy shop, when it belongs to an account.")
    data: dict[str, Any] = Field(description="Kind-specific details (e.g. counts), maybe {}.")


# --- sync (JSON Lines) ---------------------------------------------------------------------------


class SyncPlanLine(Report):
    """`sync --json`, first line: the plan."""

    event: Literal["plan"] = Field(description="`plan`.")
    format: str = Field(description="The format version, `etsysync.sync/1`.")
    transaction_id: str = Field(description="The plan being pushed.")
    counts: dict[str, int] = Field(description="Items per action.")
    to_push: int = Field(description="Items to push.")
    deactivations: int = Field(description="Listings it deactivates (`--prune`).")
    prune_withheld: str | None = Field(description="Why `--prune` deactivates nothing.")
    estimated_requests: int = Field(description="Etsy requests expected.")
    notes: list[str] = Field(description="What the plan noted (as `plan --json` has them).")


class SyncItemLine(Report):
    """`sync --json`, one line per pushed product, as it finishes."""

    event: Literal["item"] = Field(description="`item`.")
    product_id: str = Field(description="The product.")
    title: str = Field(description="Its title.")
    ok: bool | None = Field(description="Whether it synced.")
    url: str | None = Field(description="The listing's page when it synced.")
    error: str | None = Field(description="Why it failed.")


class SyncSummaryLine(JobReport):
    """`sync --json`, last line: the job."""

    event: Literal["summary"] = Field(description="`summary`.")
    requests: int = Field(description="Etsy requests of the push.")
    stop_reason: str | None = Field(default=None, description="Why the run stopped early.")


# --- adopt ---------------------------------------------------------------------------------------


class AdoptCounts(Report):
    matches: int = Field(description="Listings that can be linked.")
    synced: int = Field(description="Of those, already matching the product.")
    out_of_sync: int = Field(description="Of those, differing (the next plan updates them).")
    already_linked: int = Field(description="Products with a listing already (left alone).")
    unmatched_products: int = Field(description="Products with no listing (plan creates them).")
    unmatched_listings: int = Field(description="Listings matching no product (never touched).")
    conflicts: int = Field(description="Ambiguous groups, not linked.")
    skipped: int = Field(description="Products not taking part (invalid, not published).")


class AdoptMatch(Report):
    product_id: str = Field(description="The product.")
    title: str = Field(description="Its title.")
    listing_id: int = Field(description="The listing it matches.")
    listing_title: str = Field(description="The listing's title on Etsy.")
    listing_state: str = Field(description="The listing's state.")
    listing_url: str = Field(description="Its page.")
    matched_by: Literal["sku", "title"] = Field(description="`sku` or `title`.")
    skus: list[str] = Field(description="The SKUs they share.")
    status: Literal["synced", "out_of_sync"] = Field(description="The link status to record.")
    differences: list[str] = Field(description="What the listing holds differently.")
    warnings: list[str] = Field(description="What the next confirm does that may surprise.")


class AdoptAlreadyLinked(Report):
    product_id: str
    title: str
    listing_id: int
    sync_status: str


class AdoptUnmatchedProduct(Report):
    product_id: str
    title: str
    skus: list[str]


class AdoptUnmatchedListing(Report):
    listing_id: int
    title: str
    state: str
    skus: list[str]
    url: str


class AdoptConflict(Report):
    kind: Literal["sku", "title"] = Field(description="What they share.")
    reason: str = Field(description="Why nothing was linked.")
    product_ids: list[str]
    listing_ids: list[int]


class AdoptSkipped(Report):
    product_id: str
    title: str
    reason: str


class AdoptLeftAlone(Report):
    product_id: str
    listing_id: int
    reason: str = Field(description="Linked meanwhile, so not recorded.")


class AdoptDocument(Report):
    """`adopt --json`: what matched, what did not, and what was recorded."""

    shop_name: str = Field(description="The shop.")
    source: str = Field(description="Where the products came from.")
    listings_read: int = Field(description="Listings looked at (linked ones excluded).")
    requests: int = Field(description="Etsy requests made.")
    counts: AdoptCounts = Field(description="How many of each.")
    matches: list[AdoptMatch] = Field(description="Listings to link.")
    already_linked: list[AdoptAlreadyLinked] = Field(description="Products linked already.")
    unmatched_products: list[AdoptUnmatchedProduct] = Field(description="Products, no listing.")
    unmatched_listings: list[AdoptUnmatchedListing] = Field(description="Listings, no product.")
    conflicts: list[AdoptConflict] = Field(description="Ambiguous, not linked.")
    skipped: list[AdoptSkipped] = Field(description="Products not taking part.")
    pending_plans: list[str] = Field(description="Plans not confirmed: recording cancels them.")
    notes: list[str] = Field(description="Other remarks.")
    recorded: bool = Field(description="Whether the links were recorded (`--yes`).")
    linked: int = Field(description="Links recorded.")
    left_alone: list[AdoptLeftAlone] = Field(description="Matches not recorded, and why.")
    cancelled_plans: list[str] = Field(description="Plans cancelled by recording.")


# --- accounts, shop, settings, source ------------------------------------------------------------


class TokenCheck(Report):
    ok: bool = Field(description="Whether Etsy accepted the tokens.")
    error: str | None = Field(description="Why not.")


class AccountReport(Report):
    shop_id: int = Field(description="The Etsy shop id.")
    shop_name: str = Field(description="The shop's name.")
    user_id: int = Field(description="The Etsy user who connected it.")
    currency_code: str | None = Field(description="The shop's currency.")
    scopes: list[str] = Field(description="The OAuth scopes granted.")
    is_active: bool = Field(description="Whether commands use it by default.")
    logged_in: bool = Field(description="Whether tokens are stored for it.")
    token_expires_at: str | None = Field(description="When the access token expires.")
    token_storage: str | None = Field(description="`keyring` or `file`.")
    token_storage_detail: str | None = Field(description="Which keyring, or which file.")
    etsy: str | None = Field(
        description="Which Etsy it was connected on: `Etsy (api.etsy.com)` or `a sandbox at "
        "http://127.0.0.1:PORT`; null for a shop connected before etsysync recorded it."
    )
    etsy_api_url: str | None = Field(description="The API base URL it was connected on.")
    etsy_matches: bool | None = Field(
        description="Whether the settings point at that same kind of Etsy now (false: `plan`, "
        "`confirm` and `sync` refuse the shop); null when not recorded."
    )
    check: TokenCheck | None = Field(default=None, description="With `--check`: the result.")


class AuthStatusDocument(Report):
    """`auth status --json`: every connected shop."""

    accounts: list[AccountReport] = Field(description="Every connected shop.")


class ShopChoice(Report):
    id: int = Field(description="The id to put in the setting.")
    label: str = Field(description="What it is.")


class ShopPartner(Report):
    id: int = Field(description="The id to put in `listing.production_partner_ids`.")
    name: str = Field(description="The partner's name.")
    location: str | None = Field(description="Where the partner is, as Etsy gives it.")


class ShopDocument(Report):
    """`shop --json`: the shop, the ids of its profiles and its production partners."""

    shop_id: int = Field(description="The Etsy shop id.")
    shop_name: str = Field(description="The shop's name.")
    currency_code: str = Field(description="The shop's currency.")
    shipping_profiles: list[ShopChoice] = Field(description="For `listing.shipping_profile_id`.")
    return_policies: list[ShopChoice] = Field(description="For `listing.return_policy_id`.")
    readiness_states: list[ShopChoice] = Field(
        description="Processing profiles, for `listing.readiness_state_id`."
    )
    production_partners: list[ShopPartner] = Field(
        description="For `listing.production_partner_ids` (or metadata "
        "`etsy_production_partner_ids`); Etsy needs one for `who_made = someone_else`."
    )
    configured: dict[str, int | None] = Field(description="The three settings as they are now.")
    configured_partners: list[int] = Field(
        description="`listing.production_partner_ids` as it is now."
    )


class TaxonomyResult(Report):
    taxonomy_id: int = Field(description="The id for `listing.taxonomy_id`.")
    name: str = Field(description="The node's name.")
    level: int = Field(description="Its depth (0 at the top).")
    parent_id: int | None = Field(description="Its parent node.")
    path: str = Field(description="`Home & Living > … > Mugs`.")
    path_names: list[str] = Field(description="The path as a list.")
    is_leaf: bool = Field(description="Whether it has no children.")


class TaxonomyDocument(Report):
    """`taxonomy search --json`. No match is not an error: exit 0, empty `results`."""

    query: list[str] = Field(description="The words searched for.")
    total: int = Field(description="How many nodes matched (before `--limit`).")
    results: list[TaxonomyResult] = Field(description="Best first, at most `--limit`.")


class SettingValue(Report):
    value: Any = Field(description="The value (secrets show as `(set)`).")
    origin: Literal["default", "file", "env", "flag"] = Field(description="Where it comes from.")


class ConfigDocument(Report):
    """`config show --json`: every setting, its value and where it comes from."""

    config_file: str = Field(description="The path of config.toml.")
    home: str = Field(description="The app home.")
    settings: dict[str, SettingValue] = Field(description="By dotted key.")


class ConfigValueDocument(Report):
    """`config get KEY --json`: one setting's effective value and where it comes from."""

    key: str = Field(description="The dotted key.")
    value: Any = Field(description="The value in effect (secrets show as `(set)`).")
    origin: Literal["default", "file", "env", "flag"] = Field(description="Where it comes from.")
    source: str = Field(
        description="The same in words: `the default`, the config.toml path, or "
        "`the environment variable ETSYSYNC_…`."
    )
    env: str = Field(description="The environment variable that sets it.")
    description: str = Field(description="What the setting does.")


class MedusaStore(Report):
    id: str
    name: str
    currencies: list[str] = Field(description="Upper case, the default first.")
    default_currency: str | None


class NamedRef(Report):
    id: str
    name: str


class ShopCurrency(Report):
    name: str
    currency_code: str | None


class SourceCheckDocument(Report):
    """`source check --json`: the Medusa store and what a plan would read."""

    url: str = Field(description="The Medusa backend.")
    ok: bool = Field(description="No problems found.")
    version: Literal["v2"] = Field(description="The Medusa API version.")
    key_storage: str = Field(description="Where the API key is kept.")
    store: MedusaStore = Field(description="The Medusa store.")
    sales_channel: NamedRef | None = Field(description="The sales channel read, if one is set.")
    stock_locations: list[NamedRef] | None = Field(description="Where its stock is counted.")
    include_drafts: bool = Field(description="Whether drafts are counted.")
    products: int = Field(description="Products a plan would read.")
    shop: ShopCurrency | None = Field(description="The connected Etsy shop, if any.")
    currency_ok: bool | None = Field(description="Whether the shop's currency is a store one.")
    problems: list[str] = Field(description="What would make a plan fail.")


# --- sales (issue 15) ---------------------------------------------------------------------------


class SalesReadReport(Report):
    """What reading the shop's receipts from Etsy found this time."""

    new: int = Field(description="Transactions of linked listings recorded for the first time.")
    updated: int = Field(
        description="Recorded transactions whose facts changed on Etsy (paid, quantity)."
    )
    cancelled: int = Field(description="Recorded transactions whose order was cancelled since.")
    skipped_unlinked: int = Field(
        description="Transactions of listings no product is linked to: counted, not recorded."
    )
    unreadable: int = Field(description="Receipts Etsy sent that etsysync could not read.")
    requests: int = Field(
        description="Requests spent: one getShopReceipts per 100 receipts changed in the "
        "window, plus one ping on a shop's first read (to learn Etsy's clock)."
    )
    window_start: str | None = Field(
        description="The earliest receipt change asked for, on Etsy's clock: the first sync of "
        "the shop on the first read, then the last read's newest change less 10 minutes; null "
        "when nothing is linked yet (nothing is read)."
    )


class SaleReport(Report):
    """One Etsy transaction (one line of an order) of a linked listing."""

    transaction_id: int = Field(description="Etsy's transaction id.")
    receipt_id: int = Field(description="Etsy's receipt (order) id.")
    listing_id: int = Field(description="The listing bought from.")
    product_id: str = Field(description="The store's product linked to that listing.")
    sku: str | None = Field(description="The SKU of the variant bought (null without one).")
    quantity: int = Field(description="Units bought.")
    sold_at: str = Field(description="When the buyer bought it.")
    paid: bool = Field(description="Whether the buyer has paid.")
    cancelled: bool = Field(description="Whether the order was cancelled on Etsy.")
    first_seen_at: str = Field(description="When etsysync first read it.")
    written_back_at: str | None = Field(
        description="When the sale was taken off the store's stock (null: not yet, or a "
        "catalog file, which etsysync cannot write)."
    )


class SkuSalesReport(Report):
    """The sales of one SKU in the period."""

    product_id: str = Field(description="The store's product.")
    sku: str | None = Field(description="The variant's SKU (null for a variant without one).")
    listing_id: int = Field(description="The Etsy listing it sells on.")
    units_sold: int = Field(description="Units sold, cancelled orders left out.")
    units_cancelled: int = Field(description="Units of orders cancelled on Etsy.")
    transactions: int = Field(description="Order lines, cancelled ones included.")
    last_sold_at: str | None = Field(
        description="The last sale not cancelled (null when every one was cancelled)."
    )


class SalesDocument(Report):
    """`sales --json`: the shop's sales on Etsy per SKU, and every transaction."""

    shop_id: int = Field(description="The Etsy shop.")
    since: str | None = Field(description="`--since`: sales from this day on (null: all).")
    read: SalesReadReport | None = Field(
        description="What this run read from Etsy (null with `--no-read`)."
    )
    skus: list[SkuSalesReport] = Field(description="Per product and SKU.")
    transactions: list[SaleReport] = Field(description="Every recorded sale, oldest first.")


DOCUMENTS: dict[str, type[Report]] = {
    "plan --json, retry --json": PlanDocument,
    "confirm --json": RunDocument,
    "confirm --background --json": BackgroundDocument,
    "status --json": StatusDocument,
    "status TXN --json": JobDocument,
    "status --product ID --json": LinkReport,
    "status --feed --json": FeedDocument,
    "sync --json (JSON Lines: first line)": SyncPlanLine,
    "sync --json (one line per product)": SyncItemLine,
    "sync --json (last line)": SyncSummaryLine,
    "adopt --json": AdoptDocument,
    "sales --json": SalesDocument,
    "auth status --json": AuthStatusDocument,
    "shop --json": ShopDocument,
    "taxonomy search --json": TaxonomyDocument,
    "config show --json": ConfigDocument,
    "config get KEY --json": ConfigValueDocument,
    "source check --json": SourceCheckDocument,
    "webhook body (notify.webhook_url)": WebhookEvent,
}
