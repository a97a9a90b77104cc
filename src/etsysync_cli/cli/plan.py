"""`etsysync plan`: read products, map and validate them, and stage a plan to review."""

from __future__ import annotations

from datetime import timedelta

import typer

from etsysync_cli.cli import common
from etsysync_cli.cli.progress import ReadProgress
from etsysync_cli.cli.review import show_plan
from etsysync_cli.cli.views import note
from etsysync_cli.config import MAX_TTL_MINUTES
from etsysync_cli.flows import notify
from etsysync_cli.flows import plan as plans
from etsysync_cli.flows.plan import source_from

DETAILED_CHANGES = 2  # --detailed-exitcode: changes staged (as terraform plan)


def plan_cmd(
    source: str | None = typer.Option(
        None, "--source", help="Where products come from: file or medusa."
    ),
    path: str | None = typer.Argument(None, help="The catalog file (JSON, JSON Lines or CSV)."),
    product: list[str] | None = typer.Option(
        None, "--product", help="Only this product id or handle (repeatable)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the first N products."),
    prune: bool = typer.Option(
        False, "--prune", help="Deactivate listings whose product left the source (never delete)."
    ),
    ttl: int | None = typer.Option(
        None, "--ttl", min=1, max=MAX_TTL_MINUTES, help="Minutes the plan stays valid."
    ),
    include_drafts: bool = typer.Option(
        False, "--include-drafts", help="Medusa: plan draft products too (as Etsy drafts)."
    ),
    collection: list[str] | None = typer.Option(
        None, "--collection", help="Medusa: only this collection (title, handle or id; repeatable)."
    ),
    product_type: list[str] | None = typer.Option(
        None, "--type", help="Medusa: only this product type (value or id; repeatable)."
    ),
    tag: list[str] | None = typer.Option(
        None, "--tag", help="Medusa: only products with this tag (value or id; repeatable)."
    ),
    refresh: bool = common.REFRESH_OPTION,
    overwrite_etsy_edits: bool = common.OVERWRITE_OPTION,
    recreate_deleted: bool = common.RECREATE_OPTION,
    reactivate: bool = common.REACTIVATE_OPTION,
    show_all: bool = common.ALL_OPTION,
    pager: bool = common.PAGER_OPTION,
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    detailed_exitcode: bool = typer.Option(
        False,
        "--detailed-exitcode",
        help="Exit 0 if nothing to push, 2 if changes are staged, 1 on any error (as terraform).",
    ),
    wait: float = typer.Option(
        0, "--wait", min=0, help="Seconds to wait for a push on the shop to finish."
    ),
    confirm_deactivations: int | None = typer.Option(
        None,
        "--confirm-deactivations",
        min=0,
        help="--prune on a source that looks incomplete: deactivate only if this is the number.",
    ),
) -> None:
    """Read products, map and validate them, diff against Etsy, and stage a plan to review.

    Nothing is written to Etsy. The plan is pushed by `etsysync confirm TXN`.
    """
    filters = {"collection": collection, "type": product_type, "tag": tag}
    source_filters = {name: values for name, values in filters.items() if values}
    with common.workspace({"sync.plan_ttl_minutes": ttl}) as ws:
        spec = source_from(ws.settings, source, path)
        if spec.kind != "medusa" and (include_drafts or source_filters):
            raise typer.BadParameter(
                "--include-drafts, --collection, --type and --tag are for the medusa source"
            )
        read_progress = ReadProgress(enabled=not as_json)
        options = plans.PlanOptions(
            products=product or [],
            limit=limit,
            prune=prune,
            ttl=timedelta(minutes=ws.settings.sync.plan_ttl_minutes),
            include_drafts=include_drafts,
            source_filters=source_filters,
            on_read=read_progress,
            lock_wait=wait,
            warn=note,
            confirm_deactivations=confirm_deactivations,
            etsy=common.etsy_flags(refresh, overwrite_etsy_edits, recreate_deleted, reactivate),
        )
        with read_progress:
            result = plans.plan(ws.settings, ws.store, ws.session(account), spec, options)
        show_plan(ws, result, as_json, show_all=show_all, pager=pager)
        notify.deliver_pending(ws.store, ws.settings.notify.webhook_url, log=note)
    if detailed_exitcode and result.job.total_products:
        raise typer.Exit(DETAILED_CHANGES)
