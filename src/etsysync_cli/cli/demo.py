"""`etsysync demo`: the whole flow against a local sandbox, in a throwaway home.

Nothing here is special-cased: `demo.local.local_shop` connects the sandbox's shop through the
real OAuth login, in a temporary app home (tokens in a file there, so no keyring is needed), and
the demo then runs the same library calls as `plan`, `confirm` and `status`; the sandbox fails
one request with a 503 to show a retry.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import typer
from rich.text import Text

import etsysync_cli.demo
from etsysync_cli.cli import review
from etsysync_cli.cli.confirm import not_sent
from etsysync_cli.cli.progress import PushProgress
from etsysync_cli.cli.views import note, out
from etsysync_cli.demo.local import local_shop
from etsysync_cli.domain.matching import plural
from etsysync_cli.errors import UsageError
from etsysync_cli.flows import confirm, status
from etsysync_cli.flows import plan as plans

DEMO_DIR = Path(etsysync_cli.demo.__file__).parent


def _step(title: str) -> None:
    out.print(Text(f"\n{title}", style="bold"))


def demo_cmd(
    home: Path | None = typer.Option(
        None, help="Folder to keep the demo's state in [default: a new temporary folder]."
    ),
    latency_ms: int = typer.Option(50, help="Latency the sandbox adds to each request."),
    rps: int = typer.Option(
        10, help="The sandbox's per-second limit (Etsy's default is 10; its day stays 10,000)."
    ),
) -> None:
    """Run the whole flow on a sample catalog against a local Etsy sandbox (nothing real).

    The sandbox paces like Etsy (10 requests/s, 10,000/day): the push takes a few seconds.
    """
    home = (home or Path(tempfile.mkdtemp(prefix="etsysync-demo-"))).absolute()
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot make the demo's home {home}: {exc.strerror or exc}",
            hint="pass --home with a folder this user can create, or leave it out",
        ) from None
    catalog_dir = home / "catalog"
    shutil.copytree(DEMO_DIR / "images", catalog_dir / "images", dirs_exist_ok=True)
    catalog = catalog_dir / "catalog.json"
    shutil.copy(DEMO_DIR / "catalog.json", catalog)
    sandbox_config = {
        "latency_ms": latency_ms,
        "rps": rps,
        "state_file": home / "sandbox-state.json",
    }
    out.print(f"Demo home: {home}", highlight=False)
    _step("1. Connect the sandbox's shop (OAuth 2.0 + PKCE, auto-approved)")
    with local_shop(home, sandbox=sandbox_config) as shop:
        sandbox, settings, store, session = shop.sandbox, shop.settings, shop.store, shop.session
        account = shop.account
        out.print(f"Local Etsy sandbox: {sandbox.base_url}", highlight=False)
        out.print(
            f"Connected {account.shop_name} ({account.shop_id}, {account.currency_code})",
            highlight=False,
        )

        _step("2. Plan: read the catalog, map and validate, stage a job (no writes)")
        spec = plans.SourceSpec("file", str(catalog))
        result = plans.plan(
            settings, store, session, spec, plans.PlanOptions(ttl=timedelta(hours=1))
        )
        review.print_review(shop.workspace, result, pager=False, show_all=False)

        _step(f"3. Confirm {result.job.transaction_id}: push it to Etsy")
        note("(the sandbox will answer one request with a 503, to show a retry)")
        sandbox.set_fail_next(1, status=503)
        with PushProgress(result.job.total_products, enabled=True) as progress:
            pushed = confirm.confirm(
                settings, store, session, result.job.transaction_id, on_event=progress
            )
        job = pushed.job
        out.print(
            f"{job.transaction_id}: {job.status}, {job.synced_count} synced, "
            f"{job.failed_count} failed{not_sent(job)}, "
            + plural(pushed.summary.requests, "Etsy request"),
            highlight=False,
            soft_wrap=False,
        )

        _step("4. Status")
        links = status.overview(store, str(account.shop_id)).links
        counts = ", ".join(f"{n} {s}" for s, n in links.items())
        out.print(f"Products: {counts}", highlight=False, soft_wrap=False)
        out.print(
            f"The sandbox shop now holds {len(sandbox.state.listings)} listings.", highlight=False
        )
    _what_next(home)


def _what_next(home: Path) -> None:
    _step("What next")
    catalog = shlex.quote(str(home / "catalog" / "catalog.json"))
    # Prose is wrapped at words to the terminal (or 80 columns in a pipe); the commands are
    # printed whole, so they can be copied.
    paragraphs = [
        "Everything the demo did is kept in its home, apart from any real shop. To look "
        "around, restart its sandbox on that home (it prints the export lines, ETSYSYNC_HOME "
        "included):",
        f"  etsysync sandbox serve --auto-approve --home {shlex.quote(str(home))}",
        "then, in another shell, paste those export lines and run:",
        f"  etsysync status\n  etsysync plan --source file {catalog}",
        "Edit a price in the catalog and plan again: one update, one Etsy request. A shell "
        "without those lines talks to the real Etsy: see docs/sandbox-and-real-shop.md.",
    ]
    for i, text in enumerate(paragraphs):
        command = text.startswith("  ")
        out.print(("" if i == 0 else "\n") + text, highlight=False, soft_wrap=command)
