"""Honest outcomes (issue 16, points 3 and 5): what Etsy would certainly refuse is `invalid` at
plan with the shop's choices; products not sent because invalid are counted in every summary,
listed by `status` with their reasons, never shown as `synced`, and `sync --fail-on-invalid`
(or `sync.fail_on_invalid`) makes them exit 3 for cron."""

from __future__ import annotations

import json
from typing import Any

from etsysync_cli.errors import ExitCode
from etsysync_cli.sandbox.seed import READINESS_STATE_ID, RETURN_POLICY_ID, SHIPPING_PROFILE_ID
from tests.sync.test_sync_e2e import confirm, link, plan


def sync(cli: Any, catalog: Any, *args: str, env: dict[str, str] | None = None) -> Any:
    return cli("sync", "--source", "file", str(catalog.path), "--auto-approve", *args, env=env)


def status(cli: Any, *args: str) -> dict[str, Any]:
    result = cli("status", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_invalid_products_are_counted_listed_and_can_fail_cron(cli, connected, catalog) -> None:
    # Ids the shop (or Etsy) does not have: invalid at plan, each naming the choices.
    catalog.edit("prod_demo_mug", lambda p: p["metadata"].update(etsy_shipping_profile_id=999))
    catalog.edit("prod_demo_bowl", lambda p: p["metadata"].update(etsy_taxonomy_id=999999))
    catalog.edit(
        "prod_demo_vase",
        lambda p: p["metadata"].update(etsy_readiness_state_id=5, etsy_return_policy_id=7),
    )
    first = sync(cli, catalog, "-q")
    assert first.exit_code == 0, first.stderr  # not failures: counted, exit 0 by default
    assert "completed — 8 synced, 0 failed, 4 not sent: invalid" in first.stderr
    assert "--failed` lists why" in first.stderr

    failed = {x["product_id"]: x for x in status(cli, "--failed")["failed"]}
    assert set(failed) == {"prod_demo_giftbox", "prod_demo_mug", "prod_demo_bowl", "prod_demo_vase"}
    assert {x["sync_status"] for x in failed.values()} == {"invalid"}
    assert failed["prod_demo_mug"]["reasons"] == [
        "shipping profile 999 (metadata etsy_shipping_profile_id) is not one of the shop's: "
        f"{SHIPPING_PROFILE_ID} (Standard shipping)"
    ]
    assert failed["prod_demo_bowl"]["reasons"] == [
        "category 999999 (metadata etsy_taxonomy_id) is not in Etsy's seller taxonomy: "
        "`etsysync taxonomy search WORDS` finds the id to use"
    ]
    vase = failed["prod_demo_vase"]["reasons"]
    assert any(r.startswith("processing profile 5 (metadata etsy_readiness_") for r in vase)
    assert any(f"{READINESS_STATE_ID} (" in r for r in vase)
    assert any(r.startswith("return policy 7 (metadata etsy_return_policy_id)") for r in vase)
    assert any(f"{RETURN_POLICY_ID} (" in r for r in vase)
    # A product that was never sent has no link, but status knows why.
    giftbox = link(cli, "prod_demo_giftbox")
    assert giftbox["sync_status"] == "invalid" and giftbox["etsy_listing_id"] is None
    assert any("no price in USD" in r for r in giftbox["reasons"])

    # Nothing left to push: still not "all is well", and cron can be told to fail.
    again = sync(cli, catalog, "-q")
    assert again.exit_code == 0, again.stderr
    assert "4 product(s) not sent: invalid" in again.stderr
    strict = sync(cli, catalog, "-q", "--fail-on-invalid")
    assert strict.exit_code == ExitCode.PARTIAL
    assert "4 product(s) were not sent because they are invalid" in strict.stderr
    assert "status txn_" in strict.stderr and "--failed` lists why" in strict.stderr
    by_setting = sync(cli, catalog, "-q", env={"ETSYSYNC_SYNC_FAIL_ON_INVALID": "true"})
    assert by_setting.exit_code == ExitCode.PARTIAL, by_setting.stderr

    # A synced product that becomes invalid is no longer shown as synced; its listing stays.
    towel_id = link(cli, "prod_demo_towel")["etsy_listing_id"]
    catalog.edit("prod_demo_towel", lambda p: p["variants"][0]["prices"][0].update(amount=0.05))
    lines = sync(cli, catalog, "--json").stdout.splitlines()
    summary = json.loads(lines[-1])
    assert (summary["event"], summary["invalid_count"]) == ("summary", 5)
    counts = status(cli)["links"]
    assert (counts["synced"], counts["invalid"]) == (7, 5)
    towel = link(cli, "prod_demo_towel")
    assert (towel["sync_status"], towel["etsy_listing_id"]) == ("invalid", towel_id)
    assert any("minimum" in r for r in towel["reasons"])
    shown = cli("status", "--failed")
    assert f"invalid prod_demo_towel (listing {towel_id} left as it was): price" in shown.stdout
    assert "5 product(s) are invalid" in cli("status").stderr

    # A plan of one product overrides only that product's standing.
    catalog.edit("prod_demo_mug", lambda p: p["metadata"].pop("etsy_shipping_profile_id"))
    staged = plan(cli, catalog, "--product", "prod_demo_mug")
    assert staged["counts"] == {"create": 1}
    pushed = confirm(cli, staged["transaction_id"], "--json")
    assert json.loads(pushed.stdout)["invalid_count"] == 0
    assert link(cli, "prod_demo_mug")["sync_status"] == "synced"
    assert status(cli)["links"]["invalid"] == 4


def test_a_taxonomy_etsy_cannot_give_is_said_not_guessed(cli, connected, catalog, monkeypatch):
    """Etsy unreachable for its taxonomy (and no local copy): the plan says categories were not
    checked and lets them through (Etsy checks them at confirm); the next plan reads it."""
    from etsysync_cli.etsy import client as etsy_client
    from etsysync_cli.etsy.retry import RetryPolicy

    monkeypatch.setattr(etsy_client, "RetryPolicy", lambda: RetryPolicy.no_wait())
    catalog.edit("prod_demo_bowl", lambda p: p["metadata"].update(etsy_taxonomy_id=999999))
    connected.set_fail_next(6, 503, operation="getSellerTaxonomyNodes")
    unchecked = plan(cli, catalog)
    assert any("taxonomy ids were not checked" in note for note in unchecked["notes"])
    bowl = next(i for i in unchecked["items"] if i["product_id"] == "prod_demo_bowl")
    assert bowl["action"] == "create"

    checked = plan(cli, catalog)
    assert not any("taxonomy" in note for note in checked["notes"])
    bowl = next(i for i in checked["items"] if i["product_id"] == "prod_demo_bowl")
    assert bowl["action"] == "invalid" and "999999" in bowl["reasons"][0]
