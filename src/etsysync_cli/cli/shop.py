"""`etsysync shop` and `etsysync taxonomy search`: the Etsy ids a seller puts in the settings.

`shop --json` fields (stable):

    shop_id, shop_name, currency_code
    shipping_profiles, return_policies, readiness_states: [{"id": int, "label": str}, ...]
        (readiness states are Etsy's processing profiles)
    production_partners: [{"id": int, "name": str, "location": str | null}, ...]
    configured: {"listing.shipping_profile_id": int | null,
                 "listing.return_policy_id": int | null,
                 "listing.readiness_state_id": int | null}   (the current settings)
    configured_partners: [int, ...]   (listing.production_partner_ids)

`taxonomy search --json` fields (stable):

    query: [str, ...]            the words searched for
    total: int                   how many nodes matched (before --limit)
    results: [{"taxonomy_id": int, "name": str, "level": int, "parent_id": int | null,
               "path": "Home & Living > … > Mugs", "path_names": [str, ...],
               "is_leaf": bool}, ...]   best first, at most --limit

No match is not an error: exit 0 with an empty `results` (and a note on stderr).
"""

from __future__ import annotations

import typer

from etsysync_cli.cli import common
from etsysync_cli.cli.views import note, out, print_json
from etsysync_cli.flows import shop as flows_shop
from etsysync_cli.reports import ShopChoice, ShopDocument

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
    """Show the shop's ids: shipping, return and processing profiles, production partners."""
    with common.workspace() as ws:
        doc = flows_shop.shop_document(ws.settings, ws.session(account), ws.store, refresh=refresh)
    if as_json:
        print_json(doc)
        return
    out.print(
        f"Shop {doc.shop_name} (shop {doc.shop_id}, {doc.currency_code})",
        highlight=False,
        markup=False,
    )
    for attribute, title, name in PROFILE_SECTIONS:
        section = _section(title, getattr(doc, attribute), doc.configured[f"listing.{name}"])
        out.print(section, highlight=False, markup=False)
    out.print(_partners_section(doc), highlight=False, markup=False)
    note(
        "Set them with `etsysync config set listing.shipping_profile_id ID` "
        "(and listing.return_policy_id, listing.readiness_state_id, "
        "listing.production_partner_ids)."
    )


def _section(title: str, choices: list[ShopChoice], current: int | None) -> str:
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


def _partners_section(doc: ShopDocument) -> str:
    lines = ["\nProduction partners (who makes products with the shop):"]
    if not doc.production_partners:
        # The API cannot add one (etsy-api.md §10.6): say where the seller does it.
        lines.append(
            "  (none; add one in Shop Manager → Settings → Production partners on etsy.com: "
            "Etsy needs one for products made by someone else)"
        )
    width = max((len(str(p.id)) for p in doc.production_partners), default=0)
    configured = set(doc.configured_partners)
    for partner in doc.production_partners:
        where = f", {partner.location}" if partner.location else ""
        mark = "  (configured)" if partner.id in configured else ""
        lines.append(f"  {partner.id:>{width}}  {partner.name}{where}{mark}")
    unknown = sorted(configured - {p.id for p in doc.production_partners})
    if unknown:
        lines.append(f"  configured: {', '.join(map(str, unknown))}, not among these")
    return "\n".join(lines)


taxonomy_app = typer.Typer(no_args_is_help=True, help="Find Etsy seller taxonomy (category) ids.")


@taxonomy_app.command("search")
def search_cmd(
    words: list[str] = typer.Argument(
        ..., metavar="WORDS", help="Words that must all appear in the category path."
    ),
    limit: int = typer.Option(flows_shop.TAXONOMY_LIMIT, "--limit", min=1, help="Show at most N."),
    refresh: bool = typer.Option(
        False, "--refresh", help="Fetch the taxonomy again instead of the copy from the last week."
    ),
    account: str | None = typer.Option(None, "--account", help=common.ACCOUNT_HELP),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Find seller taxonomy ids by name, ignoring case and accents (e.g. `search mug`)."""
    with common.workspace() as ws:
        result = flows_shop.taxonomy_lookup(
            ws.settings,
            ws.store,
            ws.home,
            words,
            account_name=account,
            refresh=refresh,
            limit=limit,
        )
    doc = flows_shop.taxonomy_document(result)
    if as_json:
        print_json(doc)
        return
    if not doc.results:
        note(f"No seller taxonomy node matches {' '.join(doc.query)!r}.")
        return
    width = max(len(str(node.taxonomy_id)) for node in doc.results)
    for node in doc.results:
        out.print(f"{node.taxonomy_id:>{width}}  {node.path}", highlight=False, markup=False)
    if doc.total > len(doc.results):
        note(f"Showing {len(doc.results)} of {doc.total}: add words or use --limit.")
    note(
        "Use one with `etsysync config set listing.taxonomy_id ID`, "
        "or per product with metadata `etsy_taxonomy_id`."
    )
