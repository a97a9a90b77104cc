"""`etsysync sandbox serve`: the local Etsy stand-in, for trying etsysync and for tests."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import typer

from etsysync_cli.cli.views import out
from etsysync_cli.config import SANDBOX_STATE_FILE, mark_sandbox_home, private_folder, sandbox_home
from etsysync_cli.errors import UsageError

app = typer.Typer(no_args_is_help=True, help="Run the local Etsy sandbox (no real Etsy involved).")


@app.command("serve")
def serve_cmd(
    port: int | None = typer.Option(None, help="Port on 127.0.0.1; 0 picks a free one."),
    latency_ms: int | None = typer.Option(None, help="Delay added to every API response."),
    rps: int | None = typer.Option(
        None,
        help="Requests per second allowed (default 10, as Etsy). There is no unlimited: go "
        "fast with a high number.",
    ),
    rpd: int | None = typer.Option(
        None,
        help="Requests per sliding 24 h allowed (default 10,000, as Etsy); at least 1.",
    ),
    fail_rate: float | None = typer.Option(None, help="Share of API requests answered 500/503."),
    token_ttl: int | None = typer.Option(None, help="Access token lifetime in seconds."),
    keystring: str | None = typer.Option(None, help="The app keystring the sandbox accepts."),
    shared_secret: str | None = typer.Option(None, help="The shared secret it accepts."),
    redirect_uri: list[str] | None = typer.Option(
        None, help="A registered redirect URI (repeatable)."
    ),
    auto_approve: bool | None = typer.Option(
        None, "--auto-approve/--no-auto-approve", help="Skip the consent page."
    ),
    state_file: Path | None = typer.Option(
        None, help="Keep the sandbox's state in this file (default: sandbox-state.json in --home)."
    ),
    in_memory: bool = typer.Option(
        False,
        "--in-memory",
        envvar="ETSYSYNC_SANDBOX_IN_MEMORY",
        help="Keep the state in memory only: nothing is written, a restart starts afresh "
        "(faster for big catalogs; the state file is rewritten after every change).",
    ),
    home: Path | None = typer.Option(
        None,
        "--home",
        envvar="ETSYSYNC_SANDBOX_HOME",
        help="The etsysync home for the sandbox's shop, printed as ETSYSYNC_HOME with the URLs "
        "so it stays apart from your real shop's (default: sandbox/ in the app home).",
    ),
    shop_currency: str | None = typer.Option(None, help="Currency of the seeded shops."),
    shops: int | None = typer.Option(
        None,
        help="Sellers to host, one shop each (default 1); they share the app's rate limits. "
        "GET /_sandbox/shops lists them.",
    ),
    clock_offset: float | None = typer.Option(
        None, help="Seconds Etsy's clock runs ahead of this machine's (negative: behind)."
    ),
    escape_text: bool | None = typer.Option(
        None,
        "--escape-text/--no-escape-text",
        help="Send titles, descriptions and tags HTML-escaped, as Etsy does (default: yes).",
    ),
) -> None:
    """Serve an Etsy-compatible API on 127.0.0.1, paced like Etsy, until Ctrl-C.

    Like a new Etsy app: 10 requests a second, 10,000 a day, unless --rps/--rpd say otherwise.

    Every API answer carries Etsy's four x-limit/x-remaining headers; going over gets a 429.

    --shops N hosts N sellers with a shop each, all using this one app (and its limits); pick
    who approves on the consent page, or with POST /_sandbox/signin {"user_id": N}.

    The export lines it prints include ETSYSYNC_HOME: the shop you connect after pasting them
    lives in the sandbox's own home, and its state (listings, tokens) is kept there, so a
    restart finds the same shop. A shell without those lines is back on the real Etsy.

    Every option can also be set as ETSYSYNC_SANDBOX_<OPTION> (flags win).
    """
    from etsysync_cli.sandbox import SandboxConfig, serve

    flags: dict[str, Any] = {
        "port": port,
        "latency_ms": latency_ms,
        "rps": rps,
        "rpd": rpd,
        "fail_rate": fail_rate,
        "token_ttl": token_ttl,
        "keystring": keystring,
        "shared_secret": shared_secret,
        "redirect_uris": redirect_uri or None,
        "auto_approve": auto_approve,
        "state_file": state_file,
        "shop_currency": shop_currency,
        "shops": shops,
        "clock_offset": clock_offset,
        "escape_text": escape_text,
    }
    config = SandboxConfig.from_env(**{k: v for k, v in flags.items() if v is not None})
    if in_memory and config.state_file is not None:
        raise UsageError(
            "--in-memory keeps nothing, --state-file keeps the state in a file: choose one"
        )
    shop_home = private_folder(sandbox_home(home))
    mark_sandbox_home(shop_home)
    if config.state_file is None and not in_memory:
        config.state_file = shop_home / SANDBOX_STATE_FILE
    serve(
        config,
        out=lambda line: out.print(line, highlight=False, markup=False),
        extra_env=[f"ETSYSYNC_HOME={shlex.quote(str(shop_home))}"],
    )
