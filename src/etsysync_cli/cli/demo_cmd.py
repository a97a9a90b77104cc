"""`etsysync demo`: the whole flow against a local sandbox, in a throwaway home.

Nothing here is special-cased: it runs the same library calls as `auth login`, `plan`,
`confirm` and `status`, with settings built for a temporary app home (tokens in a file
there, so no keyring is needed) and an in-process sandbox that auto-approves the consent
page and fails one request with a 503 to show a retry.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from datetime import timedelta
from pathlib import Path

import httpx
import typer
from pydantic import SecretStr

import etsysync_cli.demo
from etsysync_cli import accounts, login, sync
from etsysync_cli.cli import review
from etsysync_cli.cli.progress import PushProgress
from etsysync_cli.cli.views import note, out
from etsysync_cli.config import load_settings
from etsysync_cli.sandbox import SandboxConfig, SandboxServer
from etsysync_cli.status import link_counts
from etsysync_cli.store import Store

DEMO_DIR = Path(etsysync_cli.demo.__file__).parent


class _AutoBrowser:
    """Plays the browser: opens the consent URL, which the sandbox answers with a redirect
    to our loopback callback."""

    def say(self, text: str) -> None:
        pass

    def open_browser(self, url: str) -> bool:
        with httpx.Client(follow_redirects=True, timeout=10) as http:
            http.get(url)
        return True

    def read_pasted(self, prompt: str) -> str:  # pragma: no cover - not used with a browser
        return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _step(title: str) -> None:
    out.print(f"\n[bold]{title}[/]")


def demo_cmd(
    home: Path | None = typer.Option(
        None, help="Folder to keep the demo's state in [default: a new temporary folder]."
    ),
    latency_ms: int = typer.Option(50, help="Latency the sandbox adds to each request."),
    rps: int = typer.Option(10, help="The sandbox's per-second limit (Etsy's default is 10)."),
) -> None:
    """Run the whole flow on a sample catalog against a local Etsy sandbox (nothing real)."""
    home = (home or Path(tempfile.mkdtemp(prefix="etsysync-demo-"))).absolute()
    home.mkdir(parents=True, exist_ok=True)
    catalog_dir = home / "catalog"
    shutil.copytree(DEMO_DIR / "images", catalog_dir / "images", dirs_exist_ok=True)
    catalog = catalog_dir / "catalog.json"
    shutil.copy(DEMO_DIR / "catalog.json", catalog)
    callback_port = _free_port()
    config = SandboxConfig(
        port=0,
        auto_approve=True,
        latency_ms=latency_ms,
        rps=rps,
        redirect_uris=[f"http://localhost:{callback_port}/callback"],
        state_file=home / "sandbox-state.json",
    )
    with SandboxServer(config) as sandbox:
        settings = load_settings(
            {
                "etsy.api_url": sandbox.api_url,
                "etsy.oauth_url": sandbox.oauth_url,
                "auth.insecure_storage": True,
            },
            environ={},
            home=home,
        ).settings
        out.print(f"Demo home: {home}\nLocal Etsy sandbox: {sandbox.base_url}", highlight=False)
        with Store.open(home) as store:
            _step("1. Connect the sandbox's shop (OAuth 2.0 + PKCE, auto-approved)")
            keys = accounts.AppKeys(config.keystring, SecretStr(config.shared_secret))
            options = login.LoginOptions(port=callback_port, timeout=30, insecure_storage=True)
            account = login.login(settings, store, home, keys, options, _AutoBrowser())
            out.print(
                f"Connected {account.shop_name} ({account.shop_id}, {account.currency_code})",
                highlight=False,
            )
            with accounts.open_session(settings, store, home) as session:
                _step("2. Plan: read the catalog, map and validate, stage a job (no writes)")
                spec = sync.SourceSpec("file", str(catalog))
                result = sync.plan(
                    settings, store, session, spec, sync.PlanOptions(ttl=timedelta(hours=1))
                )
                out.print(review.review_table(store, result))
                for line in review.footer_lines(result):
                    out.print(line, highlight=False)

                _step(f"3. Confirm {result.job.transaction_id}: push it to Etsy")
                note("(the sandbox will answer one request with a 503, to show a retry)")
                sandbox.set_fail_next(1, status=503)
                with PushProgress(result.job.total_products, enabled=True) as progress:
                    pushed = sync.confirm(
                        settings, store, session, result.job.transaction_id, on_event=progress
                    )
                job = pushed.job
                out.print(
                    f"{job.transaction_id}: {job.status}, {job.synced_count} synced, "
                    f"{job.failed_count} failed, {pushed.summary.requests} Etsy requests",
                    highlight=False,
                )

                _step("4. Status")
                counts = ", ".join(f"{n} {s}" for s, n in link_counts(store, account.id).items())
                out.print(f"Products: {counts}", highlight=False)
                listings = len(sandbox.state.listings)
                out.print(f"The sandbox shop now holds {listings} listings.", highlight=False)
    _what_next(home)


def _what_next(home: Path) -> None:
    _step("What next")
    out.print(
        "Everything the demo did is kept in its home. To look around, restart its sandbox\n"
        "with the same state and point etsysync at both:\n\n"
        f"  etsysync sandbox serve --port 8765 --auto-approve "
        f"--state-file {home / 'sandbox-state.json'}\n"
        f"  export ETSYSYNC_HOME={home}\n"
        "  export ETSYSYNC_ETSY_API_URL=http://127.0.0.1:8765/v3\n"
        "  export ETSYSYNC_ETSY_OAUTH_URL=http://127.0.0.1:8765\n"
        "  etsysync status\n"
        f"  etsysync plan --source file {home / 'catalog' / 'catalog.json'}\n\n"
        "Edit a price in the catalog and plan again: one update, one Etsy request.",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_cmd)
