"""`etsysync auth`: connect Etsy shops, see them, switch, refresh, log out."""

from __future__ import annotations

import sys
import webbrowser

import typer

from etsysync_cli.cli import common
from etsysync_cli.cli.views import note, out, print_json
from etsysync_cli.clock import isoformat, parse_time
from etsysync_cli.errors import ExitCode
from etsysync_cli.flows import auth
from etsysync_cli.reports import AccountReport

app = typer.Typer(no_args_is_help=True, help="Connect Etsy shops (OAuth) and manage their tokens.")


class _TerminalIO:
    def say(self, text: str) -> None:
        note(text)

    def open_browser(self, url: str) -> bool:
        try:
            return webbrowser.open(url)
        except webbrowser.Error:
            return False

    def read_pasted(self, prompt: str) -> str:
        if common.interactive():
            return str(typer.prompt(prompt))
        return sys.stdin.readline()


def _ask(prompt: str, hidden: bool) -> str:
    return str(typer.prompt(prompt, hide_input=hidden))


@app.command("login")
def login_cmd(
    port: int | None = typer.Option(
        None, help="Port of the redirect URI http://localhost:PORT/callback [default: 3003]."
    ),
    timeout: int | None = typer.Option(
        None, help="Seconds to wait for Etsy's answer [default: 300]."
    ),
    no_browser: bool = typer.Option(
        False, "--no-browser", help="Print the address and read the redirect you paste."
    ),
    scopes: list[str] | None = typer.Option(
        None,
        "--scopes",
        help="Extra scopes beyond the default four (e.g. listings_d).",
    ),
    insecure_storage: bool = typer.Option(
        False, "--insecure-storage", help="Keep tokens in a 0600 file instead of the keyring."
    ),
) -> None:
    """Connect an Etsy shop with OAuth 2.0 + PKCE and make it the active account."""
    flags = {
        "auth.redirect_port": port,
        "auth.timeout": timeout,
        "auth.insecure_storage": insecure_storage or None,
    }
    with common.workspace(flags) as ws:
        account = auth.login(
            ws.settings,
            ws.store,
            ws.home,
            _TerminalIO(),
            ask=_ask if common.interactive() else None,
            extra_scopes=scopes or (),
            no_browser=no_browser,
        )
        others = auth.other_shops(ws.store, account)
    note(
        f"Connected shop {account.shop_name} ({account.shop_id}, {account.currency_code}); "
        "it is the active account."
    )
    if others:
        names = ", ".join(a.shop_name for a in others)
        note(
            f"Also connected: {names}. Pick a shop per command with `--account NAME`, or "
            f"switch with `etsysync auth use NAME`."
        )


@app.command("status")
def status_cmd(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    check: bool = typer.Option(False, "--check", help="Call Etsy to check the tokens work."),
) -> None:
    """Show the connected shops, the active one, token expiry and where tokens are kept.

    Exits 4 when no shop has tokens (none connected, or all logged out) or, with --check, when
    Etsy refuses a shop's tokens; 0 only when there is a shop to work with (as `gh auth status`).
    """
    with common.workspace() as ws:
        found = auth.statuses(ws.settings, ws.store, ws.home, check=check)
    if as_json:
        print_json(found)
    elif not found.accounts:
        note("No Etsy shop is connected. Run `etsysync auth login`.")
    else:
        for account in found.accounts:
            out.print(_account_block(account, check), highlight=False)
        if not any(a.logged_in for a in found.accounts):
            note("Every shop is logged out. Run `etsysync auth login`.")
    if not auth.usable(found):
        raise typer.Exit(int(ExitCode.AUTH_NEEDED))


def _account_block(a: AccountReport, check: bool) -> str:
    expiry = parse_time(a.token_expires_at)
    expires = expiry.strftime("%Y-%m-%d %H:%M UTC") if expiry else "logged out"
    lines = [
        f"{'*' if a.is_active else ' '} {a.shop_name} (shop {a.shop_id}, user {a.user_id}, "
        f"{a.currency_code or '?'}){'  active' if a.is_active else ''}",
        f"    token expires   {expires}",
        f"    tokens kept in  {a.token_storage_detail or '-'}",
        f"    scopes          {' '.join(a.scopes)}",
    ]
    if check:
        result = "ok" if a.check and a.check.ok else ((a.check and a.check.error) or "not checked")
        lines.append(f"    check           {result}")
    return "\n".join(lines)


@app.command("use")
def use_cmd(shop: str = typer.Argument(..., help="Shop name or id.")) -> None:
    """Make SHOP the active account."""
    with common.workspace() as ws:
        account = auth.use(ws.store, shop)
    note(f"Active account: {account.shop_name} ({account.shop_id})")


@app.command("refresh")
def refresh_cmd(
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
) -> None:
    """Refresh the access token now (the refresh token rotates)."""
    with common.workspace() as ws:
        shop, expires_at = auth.refresh(ws.settings, ws.store, ws.home, account)
    note(f"Refreshed {shop.shop_name}: access token valid until {isoformat(expires_at)}")


@app.command("logout")
def logout_cmd(
    shop: str | None = typer.Argument(None, help="Shop name or id (default: the active one)."),
) -> None:
    """Remove the shop's tokens and mark it inactive. Its product links are kept."""
    with common.workspace() as ws:
        account = auth.logout(ws.store, ws.home, shop)
    note(f"Logged out of {account.shop_name}; its tokens are removed, its links kept.")
