"""Several sellers in one sandbox (`--shops N`), each token limited to its own shop, and one
app's rate limits shared by all of them.

What is on record: a token is one user's (`<user_id>.<opaque>`, etsy-api.md §1), a user has one
shop (open-api#497), a call on a shop the user does not own is a 403 (etsy-api.md §4) whose text
users quote as "User does not own Shop N" (open-api#588, #438), and the limits belong to the app
(the keystring), not to a shop (etsy-api.md §3).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sandbox_helpers import Api, error, listing_form, local_client
from tests.conftest import point_cli_at
from tests.pacing import fast_config
from tests.sync.conftest import Catalog

from etsysync_cli.errors import ConfigError
from etsysync_cli.sandbox import (
    OTHER_SHOP_ID,
    SELLER_SHOP_ID,
    SELLER_SHOP_NAME,
    SELLER_USER_ID,
    SandboxConfig,
    SandboxServer,
    SandboxState,
    s256,
)
from etsysync_cli.sandbox.inspection import listings_snapshot

REDIRECT = "http://localhost:3003/callback"
SCOPES = "listings_r listings_w listings_d shops_r"


def keyed(sb: SandboxServer, client: httpx.Client, token: str | None = None) -> Api:
    return Api(client, f"{sb.config.keystring}:{sb.config.shared_secret}", token)


def authorize(client: httpx.Client, sb: SandboxServer, verifier: str) -> httpx.Response:
    params = {
        "response_type": "code",
        "client_id": sb.config.keystring,
        "redirect_uri": REDIRECT,
        "scope": SCOPES,
        "state": "s-1",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    }
    return client.get("/oauth/connect", params=params)


def redeem(
    client: httpx.Client, sb: SandboxServer, redirected: httpx.Response, verifier: str
) -> str:
    """The access token for the code in a redirect to the app."""
    assert redirected.status_code == 302, redirected.text
    query = parse_qs(urlsplit(redirected.headers["location"]).query)
    form = {
        "grant_type": "authorization_code",
        "client_id": sb.config.keystring,
        "redirect_uri": REDIRECT,
        "code": query["code"][0],
        "code_verifier": verifier,
    }
    answer = client.post("/v3/public/oauth/token", data=form)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


@pytest.fixture
def three() -> Iterator[tuple[SandboxServer, httpx.Client]]:
    with SandboxServer(fast_config(), shops=3) as sb, local_client(sb.base_url) as client:
        yield sb, client


def test_each_seller_has_a_shop_alike_with_ids_of_its_own(three) -> None:
    sb, client = three
    shops = client.get("/_sandbox/shops").json()
    assert shops == sb.shops()
    assert shops[0] == {
        "shop_id": SELLER_SHOP_ID,
        "shop_name": SELLER_SHOP_NAME,
        "user_id": SELLER_USER_ID,
    }
    assert [s["shop_name"] for s in shops] == [SELLER_SHOP_NAME, "SandboxShop2", "SandboxShop3"]
    assert len({s["shop_id"] for s in shops} | {s["user_id"] for s in shops}) == 6
    assert OTHER_SHOP_ID not in {s["shop_id"] for s in shops}  # the stranger is nobody's to pick
    public = keyed(sb, client)
    profile_ids: list[int] = []
    for shop in shops:
        answer = public.get(f"/shops/{shop['shop_id']}").json()
        assert (answer["shop_name"], answer["user_id"]) == (shop["shop_name"], shop["user_id"])
        assert public.get(f"/users/{shop['user_id']}/shops").json()["shop_id"] == shop["shop_id"]
        owner = keyed(sb, client, sb.issue_token(shop["user_id"])["access_token"])
        assert owner.get("/users/me").json() == {
            "user_id": shop["user_id"],
            "shop_id": shop["shop_id"],
        }
        for path, key in (
            ("shipping-profiles", "shipping_profile_id"),
            ("policies/return", "return_policy_id"),
            ("readiness-state-definitions", "readiness_state_id"),
            ("production-partners", "production_partner_id"),
        ):
            (profile,) = owner.get(f"/shops/{shop['shop_id']}/{path}").json()["results"]
            profile_ids.append(profile[key])
    assert len(set(profile_ids)) == len(profile_ids), "every shop has profiles of its own"
    state = client.get("/_sandbox/state").json()
    assert (state["config"]["shops"], state["shop"]["shop_id"]) == (3, SELLER_SHOP_ID)
    assert client.get("/").json()["signin"].endswith("/_sandbox/signin")

    # One shop unless asked: today's sandbox, unchanged.
    with SandboxServer(fast_config()) as one, local_client(one.base_url) as c:
        assert c.get("/_sandbox/shops").json() == [shops[0]]


def test_the_consent_page_lets_the_person_pick_the_seller(three) -> None:
    sb, client = three
    second, third = sb.shops()[1:]
    verifier = secrets.token_urlsafe(48)
    page = authorize(client, sb, verifier)
    assert page.status_code == 200
    options = re.findall(r'<option value="(\d+)"( selected)?>([^<]+)</option>', page.text)
    assert [(int(v), bool(sel)) for v, sel, _ in options] == [
        (SELLER_USER_ID, True),  # the one signed in is offered first
        (second["user_id"], False),
        (third["user_id"], False),
    ]
    assert "SandboxShop2" in options[1][2]
    consent_id = re.search(r'name="consent_id" value="([^"]+)"', page.text)
    assert consent_id
    form = {"consent_id": consent_id.group(1), "decision": "allow"}
    token = redeem(
        client,
        sb,
        client.post("/oauth/connect", data={**form, "user_id": third["user_id"]}),
        verifier,
    )
    assert token.startswith(f"{third['user_id']}.")  # the token is the chosen seller's
    assert sb.state.signed_in_user_id == SELLER_USER_ID  # picking on the page signs no one in

    # A user id that is not a hosted seller's is refused on the page, not granted.
    verifier = secrets.token_urlsafe(48)
    page = authorize(client, sb, verifier)
    consent_id = re.search(r'name="consent_id" value="([^"]+)"', page.text)
    assert consent_id
    stranger = client.post(
        "/oauth/connect",
        data={"consent_id": consent_id.group(1), "decision": "allow", "user_id": "93184726"},
    )
    assert stranger.status_code == 400
    assert "No seller with user_id = 93184726" in stranger.text


def test_auto_approve_signs_in_the_seller_last_chosen(three) -> None:
    sb, client = three
    sb.config.auto_approve = True
    second = sb.shops()[1]
    verifier = secrets.token_urlsafe(48)
    assert redeem(client, sb, authorize(client, sb, verifier), verifier).startswith(
        f"{SELLER_USER_ID}."
    ), "the first seller is signed in by default"

    chosen = client.post("/_sandbox/signin", json={"user_id": second["user_id"]})
    assert (chosen.status_code, chosen.json()) == (200, second)
    for _ in range(2):  # stays signed in until another is chosen
        verifier = secrets.token_urlsafe(48)
        token = redeem(client, sb, authorize(client, sb, verifier), verifier)
        assert token.startswith(f"{second['user_id']}.")
    assert client.get("/_sandbox/state").json()["shop"]["shop_id"] == second["shop_id"]

    unknown = client.post("/_sandbox/signin", json={"user_id": 93184726})
    assert unknown.status_code == 404 and str(SELLER_USER_ID) in error(unknown)
    assert client.post("/_sandbox/signin", json={"user": 1}).status_code == 400
    assert client.post("/_sandbox/signin", json={"user_id": True}).status_code == 400
    assert client.post("/_sandbox/signin", content=b"{").status_code == 400
    assert sb.state.signed_in_user_id == second["user_id"], "a refused sign-in changes nothing"


def test_a_token_works_on_its_own_shop_only(three) -> None:
    sb, client = three
    first, second, _ = sb.shops()
    sb.sign_in(second["user_id"])
    own = keyed(sb, client, sb.issue_token(second["user_id"], SCOPES.split())["access_token"])
    theirs = keyed(sb, client, sb.issue_token(first["user_id"], SCOPES.split())["access_token"])
    profiles = {
        path: own.get(f"/shops/{second['shop_id']}/{path}").json()["results"][0][key]
        for path, key in (
            ("shipping-profiles", "shipping_profile_id"),
            ("policies/return", "return_policy_id"),
            ("readiness-state-definitions", "readiness_state_id"),
        )
    }
    form = listing_form(
        shipping_profile_id=str(profiles["shipping-profiles"]),
        return_policy_id=str(profiles["policies/return"]),
        readiness_state_id=str(profiles["readiness-state-definitions"]),
    )
    created = own.post(f"/shops/{second['shop_id']}/listings", data=form)
    assert created.status_code == 201, created.text
    listing = created.json()
    assert (listing["shop_id"], listing["user_id"]) == (second["shop_id"], second["user_id"])
    assert listing["listing_id"] == 4110000001, "shop 2 numbers its listings from its own range"
    # The first shop's profiles are not the second shop's to use.
    wrong = own.post(f"/shops/{second['shop_id']}/listings", data=listing_form())
    assert wrong.status_code == 400, wrong.text

    # Every shop-scoped call on a shop the token's user does not own: Etsy's 403.
    listing_id = listing["listing_id"]
    refused = {
        "getShopShippingProfiles": own.get(f"/shops/{first['shop_id']}/shipping-profiles"),
        "getShopReadinessStateDefinitions": own.get(
            f"/shops/{first['shop_id']}/readiness-state-definitions"
        ),
        "getShopProductionPartners": own.get(f"/shops/{first['shop_id']}/production-partners"),
        "createDraftListing": own.post(f"/shops/{first['shop_id']}/listings", data=listing_form()),
        "getListingsByShop": own.get(f"/shops/{first['shop_id']}/listings"),
        "updateListing": theirs.patch(
            f"/shops/{second['shop_id']}/listings/{listing_id}", data={"title": "Mine now"}
        ),
        "uploadListingImage": theirs.post(
            f"/shops/{second['shop_id']}/listings/{listing_id}/images"
        ),
    }
    for operation, answer in refused.items():
        assert answer.status_code == 403, (operation, answer.text)
        shop_id = (
            second["shop_id"]
            if operation in ("updateListing", "uploadListingImage")
            else first["shop_id"]
        )
        assert error(answer) == f"User does not own Shop {shop_id}", operation
    assert own.get(f"/shops/{second['shop_id']}/listings").json()["count"] == 0  # drafts: state
    assert theirs.delete(f"/listings/{listing_id}").status_code == 403
    # Public reads of another shop still work, as on Etsy.
    assert own.get(f"/shops/{first['shop_id']}").status_code == 200
    assert own.get(f"/shops/{first['shop_id']}/policies/return").status_code == 200


class FrozenClock:
    """The limiter's clock, still: request counts decide, not how fast the machine is."""

    def __init__(self) -> None:
        self.now = 5000.0

    def __call__(self) -> float:
        return self.now


def test_two_sellers_on_one_keystring_share_one_budget() -> None:
    with SandboxServer(fast_config(rps=4, rpd=50), shops=2) as sb, local_client(sb.base_url) as c:
        clock = FrozenClock()
        sb.limiter.clock = clock
        first, second = (
            keyed(sb, c, sb.issue_token(s["user_id"])["access_token"]) for s in sb.shops()
        )
        shop_ids = [s["shop_id"] for s in sb.shops()]
        # Two sellers, one app: together over 4 a second, the fifth request gets the 429.
        answers = [
            api.get(f"/shops/{shop_id}/shipping-profiles")
            for api, shop_id in [(first, shop_ids[0]), (second, shop_ids[1])] * 3
        ]
        assert [a.status_code for a in answers] == [200, 200, 200, 200, 429, 429]
        assert [a.headers["x-remaining-this-second"] for a in answers[:4]] == ["3", "2", "1", "0"]
        assert error(answers[4]) == "Exceeded per second rate limit"
        assert answers[4].headers["retry-after"] == "1"

        # The day is shared the same way: what one seller spends, the other no longer has.
        clock.now += 1.0
        sb.set_remaining_today(3)
        day = [
            api.get(f"/shops/{shop_id}/shipping-profiles")
            for api, shop_id in [(first, shop_ids[0]), (second, shop_ids[1])] * 2
        ]
        assert [a.status_code for a in day] == [200, 200, 200, 429]
        assert [a.headers["x-remaining-today"] for a in day] == ["2", "1", "0", "0"]
        assert error(day[3]) == "Exceeded daily rate limit"
        assert c.get("/_sandbox/state").json()["rate_limit"]["used_today"] == 50


def test_the_number_of_shops_is_checked_and_kept_with_the_state(tmp_path: Path) -> None:
    assert SandboxConfig.from_env({"ETSYSYNC_SANDBOX_SHOPS": "4"}).shops == 4
    for wrong in (0, 51):
        with pytest.raises(ConfigError, match="between 1 and 50"):
            SandboxConfig(shops=wrong)
    with pytest.raises(ConfigError, match="SHOPS"):
        SandboxConfig.from_env({"ETSYSYNC_SANDBOX_SHOPS": "two"})

    state_file = tmp_path / "sandbox.json"
    with SandboxServer(SandboxConfig(port=0, state_file=state_file), shops=2) as sb:
        sb.create_listing_direct(shop_id=sb.shops()[1]["shop_id"])
    with pytest.raises(ConfigError, match="written with 2 shops") as refused:
        SandboxState(SandboxConfig(state_file=state_file))
    assert "--shops 2" in str(refused.value.hint)
    reopened = SandboxState(SandboxConfig(state_file=state_file, shops=3))
    (listing,) = reopened.listings.values()
    assert listing.listing_id == 4110000001
    assert reopened.next_listing_id(listing.shop_id) == 4110000002, "the range goes on"


# --- the CLI: two shops from one app home ------------------------------------------------------


@pytest.fixture
def two_shops(callback_port: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[SandboxServer]:
    """A `--shops 2` sandbox with etsysync pointed at it (the fake browser presses Allow)."""
    config = fast_config(redirect_uris=[f"http://localhost:{callback_port}/callback"])
    with SandboxServer(config, shops=2) as server:
        point_cli_at(server, monkeypatch)
        yield server


def test_two_shops_log_in_plan_and_push_from_one_app_home(
    cli: Callable[..., Any], two_shops: SandboxServer, tmp_path: Path, monkeypatch: Any
) -> None:
    first, second = two_shops.shops()
    # The first login approves as the seller signed in (the first); the second picks the
    # other seller on the consent page.
    alone = cli("auth", "login", "--timeout", "20")
    assert alone.exit_code == 0, alone.stderr
    assert "Also connected" not in alone.stderr
    monkeypatch.setenv("FAKE_BROWSER_CHOOSE", f"user_id={second['user_id']}")
    login = cli("auth", "login", "--timeout", "20")
    assert login.exit_code == 0, login.stderr
    assert "Connected shop SandboxShop2" in login.stderr
    assert f"Also connected: {SELLER_SHOP_NAME}. Pick a shop per command with `--account" in (
        " ".join(login.stderr.split())
    )
    accounts = json.loads(cli("auth", "status", "--json").stdout)["accounts"]
    assert [(a["shop_id"], a["user_id"], a["is_active"]) for a in accounts] == [
        (first["shop_id"], first["user_id"], False),
        (second["shop_id"], second["user_id"], True),
    ]

    catalog = Catalog(tmp_path / "catalog")
    pushed: dict[int, int] = {}
    for shop in (first, second):
        staged = cli(
            "plan", "--source", "file", str(catalog.path), "--account", shop["shop_name"], "--json"
        )
        assert staged.exit_code in (0, 2), staged.stderr
        plan = json.loads(staged.stdout)
        assert plan["counts"]["create"] > 0
        done = cli("confirm", plan["transaction_id"], "--yes", "--account", str(shop["shop_id"]))
        assert done.exit_code == 0, done.stderr
        pushed[shop["shop_id"]] = plan["counts"]["create"]

    with two_shops.state.lock:
        listings = listings_snapshot(two_shops.state, two_shops.base_url)
    by_shop: dict[int, list[dict[str, Any]]] = {}
    for listing in listings:
        by_shop.setdefault(listing["shop_id"], []).append(listing)
    assert {shop_id: len(found) for shop_id, found in by_shop.items()} == pushed
    for shop in (first, second):
        titles = sorted(x["title"] for x in by_shop[shop["shop_id"]])
        assert titles == sorted(x["title"] for x in by_shop[first["shop_id"]])
        assert {x["user_id"] for x in by_shop[shop["shop_id"]]} == {shop["user_id"]}
        # The client read each shop's own profiles (shop 1's ids would be refused in shop 2).
        (profile,) = two_shops.state.seed.shipping_profiles[shop["shop_id"]]
        shipping = {x["shipping_profile_id"] for x in by_shop[shop["shop_id"]]}
        assert shipping == {profile["shipping_profile_id"]}
    # Each shop's links are its own: status per account counts its own listings only.
    for shop in (first, second):
        status = json.loads(cli("status", "--account", shop["shop_name"], "--json").stdout)
        assert status["links"]["synced"] == pushed[shop["shop_id"]]
