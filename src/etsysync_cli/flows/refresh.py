"""What Etsy holds of the account's linked listings, for a plan (issue 14): read once before
the plan compares (etsy/refresh.py), handed to the planner per product (domain/planner.EtsySide),
and what the plan learnt of it recorded (store/etsy_views.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from etsysync_cli.accounts.session import Session
from etsysync_cli.clock import utcnow
from etsysync_cli.config import Settings
from etsysync_cli.domain import planner
from etsysync_cli.domain.refresh import EtsyPolicy
from etsysync_cli.domain.statuses import Action
from etsysync_cli.etsy.refresh import Refresh, refresh_listings
from etsysync_cli.store import etsy_views, jobs, links
from etsysync_cli.store.db import Store


@dataclass(frozen=True)
class EtsyFlags:
    """How a plan treats what Etsy holds (issue 14); None: the settings decide."""

    refresh: bool = True  # read every linked listing first; False: --no-refresh
    overwrite_etsy_edits: bool | None = None  # sync.etsy_edits
    recreate_deleted: bool | None = None  # sync.recreate_deleted
    reactivate: bool = False  # publish again what was taken down on Etsy ($0.20 each)


class EtsyReader:
    """What Etsy holds of the account's linked listings, read once before the plan (issue 14),
    and what the plan learnt of it, recorded (store/etsy_views.py)."""

    def __init__(
        self, settings: Settings, store: Store, session: Session, flags: EtsyFlags
    ) -> None:
        self.store = store
        self.account_id = session.account.id
        self.policy = EtsyPolicy(
            overwrite_edits=(
                flags.overwrite_etsy_edits
                if flags.overwrite_etsy_edits is not None
                else settings.sync.etsy_edits == "overwrite"
            ),
            recreate_deleted=(
                flags.recreate_deleted
                if flags.recreate_deleted is not None
                else settings.sync.recreate_deleted
            ),
            reactivate=flags.reactivate,
        )
        self.views = etsy_views.views(store, self.account_id)
        self.refreshed = flags.refresh
        self.read: Refresh | None = None
        self.read_at: datetime | None = None  # when the refresh began (our clock)
        self.requests = 0
        self.found: dict[str, list[str]] = {}  # product → what changed on Etsy
        self.differing = 0  # products Etsy holds differently from the store (kept, deleted)
        if flags.refresh:
            # Links a plan awaiting confirm staged count as what they were before it: this plan
            # replaces that one, and their last push is the one Etsy's side is compared with.
            before_pending = jobs.statuses_after_pending_plans(store, self.account_id)
            ids = [
                link.etsy_listing_id
                for link in links.linked(store, self.account_id)
                if link.etsy_listing_id is not None
                # Adopted links (no synced payload yet) too: the planner compares them with
                # what Etsy holds, so that a listing adopt found matching is not pushed again.
                and before_pending.get(link.product_id, link.sync_status)
                in planner.COMPARED_WITH_ETSY  # the others are not read
                and not self._known_deleted(link.product_id, link.etsy_listing_id)
            ]
            self.read_at = utcnow()
            self.read = refresh_listings(session.client, ids)
            self.requests = self.read.requests

    def _known_deleted(self, product_id: str, listing_id: int) -> bool:
        view = self.views.get(product_id)
        return view is not None and view.deleted and view.listing_id == listing_id

    def side(self, link: planner.LinkSnapshot | None) -> planner.EtsySide | None:
        if link is None or link.etsy_listing_id is None:
            return None
        view = self.views.get(link.product_id)
        if view is not None and view.listing_id != link.etsy_listing_id:
            view = None  # what was seen of another (older) listing
        kept = view.kept if view else {}
        listing_id = link.etsy_listing_id
        if self.read is not None:
            if listing_id in self.read.listings:
                return planner.EtsySide(
                    True, self.read.listings[listing_id], kept=kept, policy=self.policy
                )
            if listing_id in self.read.gone or self._known_deleted(link.product_id, listing_id):
                return planner.EtsySide(True, None, state="deleted", kept=kept, policy=self.policy)
        return planner.EtsySide(
            False, state=view.etsy_state if view else None, kept=kept, policy=self.policy
        )

    def note(self, item: planner.PlannedItem) -> None:
        """Record what the plan saw of the item's listing on Etsy (in the staging transaction)."""
        if not item.etsy_read:
            return
        if item.etsy_changes or item.etsy_state == "deleted":
            self.found[item.product_id] = [c.field for c in item.etsy_changes] or ["deleted"]
        if item.etsy_differs or item.etsy_state == "deleted":
            self.differing += 1
        if item.action == Action.CREATE:  # created again: the old listing is moot
            etsy_views.forget(self.store, self.account_id, item.product_id)
            return
        if not self.refreshed:
            return  # nothing new was seen
        etsy_views.save(
            self.store,
            self.account_id,
            etsy_views.EtsyView(
                product_id=item.product_id,
                listing_id=item.listing_id,
                etsy_state=item.etsy_state,
                differs=item.etsy_differs,
                kept=item.etsy_kept,
            ),
        )

    def found_text(self) -> str:
        deleted = sum(1 for fields in self.found.values() if fields == ["deleted"])
        changed = len(self.found) - deleted
        parts = [f"{changed} listing(s) changed on Etsy"] if changed else []
        parts += [f"{deleted} deleted on Etsy"] if deleted else []
        return ", ".join(parts)
