"""`etsysync shop` and `etsysync taxonomy search`: the Etsy ids a seller puts in the settings.

`shop --json` fields (stable):

    shop_id, shop_name, currency_code
    shipping_profiles, return_policies, readiness_states: [{"id": int, "label": str}, ...]
        (readiness states are Etsy's processing profiles)
    configured: {"listing.shipping_profile_id": int | null,
                 "listing.return_policy_id": int | null,
                 "listing.readiness_state_id": int | null}   (the current settings)

`taxonomy search --json` fields (stable):

    query: [str, ...]            the words searched for
    total: int                   how many nodes matched (before --limit)
    results: [{"taxonomy_id": int, "name": str, "level": int, "parent_id": int | null,
               "path": "Home & Living > … > Mugs", "path_names": [str, ...],
               "is_leaf": bool}, ...]   best first, at most --limit

No match is not an error: exit 0 with an empty `results` (and a note on stderr).
"""

from __future__ import annotations

from typing import Any

import typer

from etsysync_cli.accounts import session as accounts
from etsysync_cli.cli import common
from etsysync_cli.cli.views import note, out, print_json
from etsysync_cli.domain.shop import Choice
from etsysync_cli.etsy import taxonomy
from etsysync_cli.flows import shop as flows_shop

PROFILE_SECTIONS = (
    ("shipping_profiles", "Shipping profiles", "shipping_profile_id"),
    ("return_policies", "Return policies", "return_policy_id"),
    ("readiness_states", "Processing profiles", "readiness_state_id"),
)


def shop_cmd(
    refresh: bool = typer.Option(
        False, "--refresh", help="Ask Etsy again instead of using the copy from the last day."
    ),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Show the connected shop and the ids of its shipping, return and processing profiles."""
    settings = common.settings()
    with (
        common.open_store() as store,
        accounts.open_session(settings, store, common.home(), account) as session,
    ):
        profiles = flows_shop.shop_profiles(session, store, refresh=refresh)
    configured = {
        f"listing.{name}": getattr(settings.listing, name) for _, _, name in PROFILE_SECTIONS
    }
    if as_json:
        print_json({**profiles.as_json(), "configured": configured})
        return
    out.print(
        f"Shop {profiles.shop_name} (shop {profiles.shop_id}, {profiles.currency_code})",
        highlight=False,
        markup=False,
    )
    for attribute, title, name in PROFILE_SECTIONS:
        section = _section(title, getattr(profiles, attribute), configured[f"listing.{name}"])
        out.print(section, highlight=False, markup=False)
    note(
        "Set them with `etsysync config set listing.shipping_profile_id ID` "
        "(and listing.return_policy_id, listing.readiness_state_id)."
    )


def _section(title: str, choices: list[Choice], current: int | None) -> str:
    lines = [f"\n{title}:"]
    if not choices:
        lines.append("  (none)")
    width = max((len(str(c.id)) for c in choices), default=0)
    for choice in choices:
        mark = "  (configured)" if choice.id == current else ""
        lines.append(f"  {choice.id:>{width}}  {choice.label}{mark}")
    if current is not None and current not in {c.id for c in choices}:
        lines.append(f"  configured: {current}, which is not one of these")
    return "\n".join(lines)


taxonomy_app = typer.Typer(no_args_is_help=True, help="Find Etsy seller taxonomy (category) ids.")


@taxonomy_app.command("search")
def search_cmd(
    words: list[str] = typer.Argument(
        ..., metavar="WORDS", help="Words that must all appear in the category path."
    ),
    limit: int = typer.Option(taxonomy.DEFAULT_LIMIT, "--limit", min=1, help="Show at most N."),
    refresh: bool = typer.Option(
        False, "--refresh", help="Fetch the taxonomy again instead of the copy from the last week."
    ),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Find seller taxonomy ids by name, ignoring case and accents (e.g. `search mug`)."""
    settings = common.settings()
    with common.open_store() as store:
        result = flows_shop.taxonomy_lookup(
            settings,
            store,
            common.home(),
            words,
            account_name=account,
            refresh=refresh,
            limit=limit,
        )
    if as_json:
        print_json(_search_json(result))
        return
    if not result.matches:
        note(f"No seller taxonomy node matches {' '.join(result.words)!r}.")
        return
    width = max(len(str(e.id)) for e in result.matches)
    for entry in result.matches:
        out.print(f"{entry.id:>{width}}  {entry.full_path}", highlight=False, markup=False)
    if result.total > len(result.matches):
        note(f"Showing {len(result.matches)} of {result.total}: add words or use --limit.")
    note(
        "Use one with `etsysync config set listing.taxonomy_id ID`, "
        "or per product with metadata `etsy_taxonomy_id`."
    )


def _search_json(result: taxonomy.SearchResult) -> dict[str, Any]:
    return {
        "query": list(result.words),
        "total": result.total,
        "results": [entry.as_json() for entry in result.matches],
    }


def register(app: typer.Typer) -> None:
    app.command("shop")(shop_cmd)
    app.add_typer(taxonomy_app, name="taxonomy")
