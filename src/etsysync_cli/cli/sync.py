"""`etsysync sync`: plan and confirm in one run, the command for cron (flows/sync.py)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import typer

from etsysync_cli import logs
from etsysync_cli.cli import common, review
from etsysync_cli.cli.confirm import raise_for_run, report_run, run_document
from etsysync_cli.cli.progress import PushProgress
from etsysync_cli.cli.signals import stop_on_signals
from etsysync_cli.cli.views import note, print_json_line
from etsysync_cli.flows import sync as syncing
from etsysync_cli.flows.confirm import Job, RunEvent
from etsysync_cli.flows.context import Workspace
from etsysync_cli.flows.plan import PlanResult, source_from
from etsysync_cli.flows.status import job_report
from etsysync_cli.flows.sync import (
    DEFAULT_MAX_CREATES,
    DEFAULT_MAX_UPDATES,
    JSONL_FORMAT,
    EventSink,
    SyncRequest,
)
from etsysync_cli.reports import SyncItemLine, SyncPlanLine, SyncSummaryLine


class _Lines:
    """`--json`: JSON Lines on stdout, so a script can follow the run as it happens."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, event: RunEvent) -> None:
        if event.kind != "item_finished":
            return
        with self._lock:
            print_json_line(
                SyncItemLine(
                    event="item",
                    product_id=event.product_id,
                    title=event.title,
                    ok=event.ok,
                    url=event.detail if event.ok else None,
                    error=None if event.ok else event.detail,
                )
            )


class _View:
    """How `sync` shows itself: a review and a question on a terminal, lines for --json."""

    def __init__(
        self,
        ws: Workspace,
        shop_name: str,
        *,
        as_json: bool,
        quiet: bool,
        asking: bool,
        show_all: bool = False,
        pager: bool = True,
    ) -> None:
        self.ws = ws
        self.shop_name = shop_name
        self.lines = _Lines() if as_json else None
        self.quiet = quiet
        # A person will be asked: the summary comes under the table, just above the question
        # (printed first, it scrolled away before the question appeared).
        self.asking = asking
        self.show_all = show_all
        self.pager = pager

    def note(self, text: str) -> None:
        note(text)

    def resuming(self, job: Job) -> None:
        note(f"Resuming {job.transaction_id}, which stopped part-way.")

    def planned(self, result: PlanResult) -> None:
        job = result.job
        if self.lines:
            print_json_line(
                SyncPlanLine(
                    event="plan",
                    format=JSONL_FORMAT,
                    transaction_id=job.transaction_id,
                    counts=job.counts,
                    to_push=job.total_products,
                    deactivations=result.deactivations,
                    prune_withheld=result.prune_withheld,
                    estimated_requests=result.estimated_requests,
                    notes=result.notes,
                )
            )
        if self.asking and not self.lines and job.total_products:
            return  # `approve` shows the review, then the summary, then the question
        if self.asking and not self.lines and not self.quiet:
            # Nothing to push, and a person is reading: what `plan` would show, so that units
            # sold on Etsy, edits kept there and invalid products are seen per product.
            pager = review.pager_wanted(self.pager)
            review.print_review(self.ws, result, pager=pager, show_all=self.show_all)
            return
        if not self.quiet and not self.lines:
            for line in review.footer_lines(result):
                note(line)
        elif result.prune_withheld:  # never silent: a cron log must show it
            note(f"Note: {result.prune_withheld}")

    def approve(self, result: PlanResult) -> bool:
        pager = review.pager_wanted(self.pager and not self.quiet)
        review.print_review(self.ws, result, pager=pager, show_all=self.show_all)
        job = result.job
        common.ask_to_push(
            review.push_question(job, job.total_products, self.shop_name),
            job.transaction_id,
            job.expires_at,
        )
        return True

    @contextmanager
    def pushing(self, total: int) -> Iterator[EventSink | None]:
        if self.lines:
            yield self.lines
            return
        with PushProgress(total, enabled=not self.quiet) as progress:
            yield progress


def sync_cmd(
    source: str | None = typer.Option(
        None, "--source", help="Where products come from: file or medusa."
    ),
    path: str | None = typer.Argument(None, help="The catalog file (JSON, JSON Lines or CSV)."),
    product: list[str] | None = typer.Option(
        None, "--product", help="Only this product id or handle (repeatable)."
    ),
    prune: bool = typer.Option(
        False, "--prune", help="Deactivate listings whose product left the source (never delete)."
    ),
    max_creates: int = typer.Option(
        DEFAULT_MAX_CREATES, "--max-creates", min=0, help="Refuse a run creating more listings."
    ),
    max_updates: int = typer.Option(
        DEFAULT_MAX_UPDATES, "--max-updates", min=0, help="Refuse a run updating more listings."
    ),
    max_deactivations: int | None = typer.Option(
        None,
        "--max-deactivations",
        min=0,
        help="Refuse a run deactivating more listings (default: the larger of 5 and 10% of the "
        "linked listings).",
    ),
    confirm_deactivations: int | None = typer.Option(
        None,
        "--confirm-deactivations",
        min=0,
        help="--prune on a source that looks incomplete: deactivate only if this is the number.",
    ),
    max_requests: int | None = typer.Option(
        None, "--max-requests", min=1, help="Stop (resumable) after this many Etsy requests."
    ),
    auto_approve: bool = typer.Option(
        False, "--auto-approve", help="Push without review (required when not on a terminal)."
    ),
    fail_on_invalid: bool = typer.Option(
        False,
        "--fail-on-invalid",
        help="Exit 3 when products were not sent because invalid (setting sync.fail_on_invalid).",
    ),
    wait: float = typer.Option(
        0, "--wait", min=0, help="Seconds to wait for another run on the shop to finish."
    ),
    refresh: bool = common.REFRESH_OPTION,
    overwrite_etsy_edits: bool = common.OVERWRITE_OPTION,
    recreate_deleted: bool = common.RECREATE_OPTION,
    reactivate: bool = common.REACTIVATE_OPTION,
    show_all: bool = common.ALL_OPTION,
    pager: bool = common.PAGER_OPTION,
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(
        False, "--json", help="JSON Lines: a header, one line per product, a summary."
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    log_file: str | None = typer.Option(
        None,
        "--log-file",
        help="Append structured log lines here: the same as `etsysync --log-file PATH sync`, "
        "accepted after `sync` too since cron lines are often written so.",
    ),
) -> None:
    """Plan and confirm in one run: the command for cron.

    Refuses to push more than --max-creates / --max-updates listings (the plan stays staged for
    review), and without --auto-approve when nobody is at a terminal. A run that stopped
    part-way is resumed first.
    """
    if log_file:
        logs.setup(log_file)
        logs.event("command_started", argv=" ".join(sys.argv[1:]) or None)
    with common.workspace() as ws, stop_on_signals() as stopper:
        stopper.resume = "run `etsysync sync` again (it resumes the stopped run first)"
        session = ws.session(account, max_requests=max_requests)
        request = SyncRequest(
            spec=source_from(ws.settings, source, path),
            products=product or [],
            prune=prune,
            max_creates=max_creates,
            max_updates=max_updates,
            max_deactivations=max_deactivations,
            confirm_deactivations=confirm_deactivations,
            auto_approve=auto_approve,
            interactive=common.interactive(),
            lock_wait=wait,
            stop=stopper.stop,
            etsy=common.etsy_flags(refresh, overwrite_etsy_edits, recreate_deleted, reactivate),
        )
        view = _View(
            ws,
            session.account.shop_name,
            as_json=as_json,
            quiet=quiet,
            asking=request.interactive and not auto_approve and not as_json,
            show_all=show_all,
            pager=pager,
        )
        outcome = syncing.sync(ws.settings, ws.store, session, request, view)
        fail_on_invalid = fail_on_invalid or ws.settings.sync.fail_on_invalid
    if outcome.run is None:
        assert outcome.closed is not None
        if as_json:
            print_json_line(
                SyncSummaryLine(
                    event="summary", **job_report(outcome.closed).model_dump(), requests=0
                )
            )
        else:
            note(
                review.nothing_to_push(outcome.plan)
                if outcome.plan is not None
                else "Nothing to push: Etsy already matches the source."
            )
            if outcome.closed.counts.get("invalid"):
                # "Nothing to push" must not read as "all is well" in a cron log.
                note(
                    f"{outcome.closed.counts['invalid']} product(s) not sent: invalid "
                    f"(`etsysync status {outcome.closed.transaction_id} --failed` lists why)."
                )
        outcome.raise_for_write_back()
        if fail_on_invalid:
            outcome.raise_for_invalid()
        return
    if as_json:  # the run of the plan, or (stopped before planning) the resumed run
        document = run_document(outcome.run)
        print_json_line(SyncSummaryLine(event="summary", **document.model_dump()))
        raise_for_run(outcome.run, stopper)
    else:
        report_run(outcome.run, as_json=False, stopper=stopper)
    outcome.raise_for_write_back()
    if fail_on_invalid:
        outcome.raise_for_invalid()
