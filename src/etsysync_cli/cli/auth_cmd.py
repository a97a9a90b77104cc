"""`etsysync auth`: connect Etsy shops, see them, switch, refresh, log out."""

from __future__ import annotations

import sys
import webbrowser

import typer

from etsysync_cli.accounts import login
from etsysync_cli.accounts import session as accounts
from etsysync_cli.cli import common
from etsysync_cli.cli.views import note, out, print_json
from etsysync_cli.errors import ExitCode, NotConnectedError
from etsysync_cli.store.accounts import find_account, set_active

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
        help="Extra scopes beyond the default three (e.g. listings_d).",
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
    settings = common.settings(flags)
    keys = accounts.app_keys(settings, ask=_ask if common.interactive() else None)
    options = login.LoginOptions(
        port=settings.auth.redirect_port,
        timeout=settings.auth.timeout,
        extra_scopes=scopes or (),
        no_browser=no_browser,
        insecure_storage=settings.auth.insecure_storage,
    )
    with common.open_store() as store:
        account = login.login(settings, store, common.home(), keys, options, _TerminalIO())
    note(
        f"Connected shop {account.shop_name} ({account.shop_id}, {account.currency_code}); "
        "it is the active account."
    )


@app.command("status")
def status_cmd(
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
    check: bool = typer.Option(False, "--check", help="Call Etsy to check the tokens work."),
) -> None:
    """Show the connected shops, the active one, token expiry and where tokens are kept."""
    settings = common.settings()
    with common.open_store() as store:
        statuses = accounts.account_statuses(settings, store, common.home(), check=check)
    if as_json:
        print_json({"accounts": [s.as_json() for s in statuses]})
    else:
        if not statuses:
            note("No Etsy shop is connected. Run `etsysync auth login`.")
            return
        for s in statuses:
            out.print(_account_block(s, check), highlight=False)
    if check and any(s.check_ok is False for s in statuses):
        raise typer.Exit(int(ExitCode.AUTH_NEEDED))


def _account_block(status: accounts.AccountStatus, check: bool) -> str:
    a = status.account
    expires = (
        a.token_expires_at.strftime("%Y-%m-%d %H:%M UTC") if a.token_expires_at else "logged out"
    )
    lines = [
        f"{'*' if a.is_active else ' '} {a.shop_name} (shop {a.shop_id}, user {a.user_id}, "
        f"{a.currency_code or '?'}){'  active' if a.is_active else ''}",
        f"    token expires   {expires}",
        f"    tokens kept in  {status.storage or '-'}",
        f"    scopes          {' '.join(a.scopes)}",
    ]
    if check:
        result = "ok" if status.check_ok else (status.check_error or "not checked")
        lines.append(f"    check           {result}")
    return "\n".join(lines)


@app.command("use")
def use_cmd(shop: str = typer.Argument(..., help="Shop name or id.")) -> None:
    """Make SHOP the active account."""
    with common.open_store() as store:
        account = find_account(store, shop)
        if account.token_storage is None:
            raise NotConnectedError(
                f"shop {account.shop_name} is logged out", hint="run `etsysync auth login`"
            )
        set_active(store, account.id)
    note(f"Active account: {account.shop_name} ({account.shop_id})")


@app.command("refresh")
def refresh_cmd(
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
) -> None:
    """Refresh the access token now (the refresh token rotates)."""
    settings = common.settings()
    with (
        common.open_store() as store,
        accounts.open_session(settings, store, common.home(), account) as session,
    ):
        tokens = session.refresh_now()
    note(f"Refreshed {session.account.shop_name}: access token valid until {tokens.expires_at}")


@app.command("logout")
def logout_cmd(
    shop: str | None = typer.Argument(None, help="Shop name or id (default: the active one)."),
) -> None:
    """Remove the shop's tokens and mark it inactive. Its product links are kept."""
    with common.open_store() as store:
        account = accounts.logout(store, common.home(), shop)
    note(f"Logged out of {account.shop_name}; its tokens are removed, its links kept.")
