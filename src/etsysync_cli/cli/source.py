"""`etsysync source`: connect a Medusa v2 store as the product source, and check it."""

from __future__ import annotations

import typer
from rich.text import Text

from etsysync_cli.cli import common
from etsysync_cli.cli.views import err, note, out, print_json, safe
from etsysync_cli.errors import ExitCode
from etsysync_cli.flows import source as flows_source
from etsysync_cli.reports import SourceCheckDocument

app = typer.Typer(
    no_args_is_help=True, help="Connect the product source (a Medusa v2 store) and check it."
)


def _ask(prompt: str) -> str:
    return str(typer.prompt(prompt, hide_input=True))


@app.command("medusa")
def medusa_cmd(
    url: str = typer.Argument(
        ..., help="The Medusa v2 backend's base URL, e.g. https://api.example.com."
    ),
    sales_channel: str | None = typer.Option(
        None, "--sales-channel", help="List only the products of this sales channel (name or id)."
    ),
    insecure_storage: bool = typer.Option(
        False, "--insecure-storage", help="Keep the API key in a 0600 file instead of the keyring."
    ),
) -> None:
    """Connect a Medusa v2 store: check its secret API key, keep the key, read products from it.

    Asks for the key (hidden) on a terminal, else reads ETSYSYNC_MEDUSA_API_KEY.
    """
    settings = common.settings({"auth.insecure_storage": insecure_storage or None})
    connected = flows_source.connect_medusa(
        settings,
        common.home(),
        url,
        ask=_ask if common.interactive() else None,
        sales_channel=sales_channel,
        warn=note,
    )
    store = connected.store
    currencies = ", ".join(store.currencies) or "none"
    note(f"Connected Medusa store {store.name} at {connected.url} (currencies: {currencies}).")
    if connected.channel:
        note(f"Products come from the sales channel {connected.channel.name}.")
    if connected.stored:
        note(f"The API key is kept in the {connected.key_storage}.")
    else:
        note("The API key was not stored (no keyring): it is read from ETSYSYNC_MEDUSA_API_KEY.")
    note("Next: `etsysync source check`, then `etsysync plan`.")


@app.command("check")
def check_cmd(
    include_drafts: bool = typer.Option(
        False, "--include-drafts", help="Count draft products too."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Check the Medusa store: the key, the version, currencies, and what a plan would read."""
    with common.workspace() as ws:
        report = flows_source.check(ws.settings, ws.store, ws.home, include_drafts=include_drafts)
    if as_json:
        print_json(report)
    else:
        _show(report)
    if report.problems:
        raise typer.Exit(int(ExitCode.FAILURE))


def _show(report: SourceCheckDocument) -> None:
    for problem in report.problems:  # up front: they decide whether a plan is worth making
        err.print(Text.assemble(("problem:", "bold red"), " ", safe(problem)), highlight=False)
    info = report.store
    lines = [
        f"Medusa v2 at {report.url}: the API key works (kept in the {report.key_storage})",
        f"store            {info.name}",
        f"currencies       {', '.join(info.currencies) or 'none'}"
        + (f" (default {info.default_currency})" if info.default_currency else ""),
    ]
    if report.sales_channel:
        where = ", ".join(loc.name for loc in report.stock_locations or []) or "none"
        lines.append(f"sales channel    {report.sales_channel.name} (stock from: {where})")
    else:
        lines.append("sales channel    any (set source.sales_channel to choose one)")
    statuses = "published and draft" if report.include_drafts else "published"
    lines.append(f"products         {report.products} {statuses} (gift cards are skipped)")
    if report.shop and report.shop.currency_code:
        verdict = "a store currency" if report.currency_ok else "NOT a store currency"
        lines.append(
            f"Etsy shop        {report.shop.name} sells in {report.shop.currency_code}: {verdict}"
        )
    else:
        lines.append("Etsy shop        none connected (`etsysync auth login`)")
    for line in lines:
        out.print(line, highlight=False)
