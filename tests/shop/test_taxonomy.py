"""`etsysync taxonomy search`: seller taxonomy ids by name, against the local Etsy sandbox."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from etsysync_cli.clock import isoformat, utcnow
from etsysync_cli.errors import ExitCode, UsageError
from etsysync_cli.etsy import taxonomy
from etsysync_cli.etsy.models import TaxonomyNode

MUGS_PATH = "Home & Living > Kitchen & Dining > Drink & Barware > Drinkware > Mugs"
TAXONOMY_OPERATION = "getSellerTaxonomyNodes"


def search_json(cli: Any, *args: str) -> dict[str, Any]:
    result = cli("taxonomy", "search", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def ids(data: dict[str, Any]) -> list[int]:
    return [r["taxonomy_id"] for r in data["results"]]


def taxonomy_requests(sandbox: Any) -> int:
    return sum(e["operation"] == TAXONOMY_OPERATION for e in sandbox.request_log())


def test_search_finds_mugs_with_its_path(cli, connected) -> None:
    result = cli("taxonomy", "search", "mug")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"1073  {MUGS_PATH}\n"
    assert "etsysync config set listing.taxonomy_id ID" in result.stderr
    assert "etsy_taxonomy_id" in result.stderr


def test_search_json_fields(cli, connected) -> None:
    data = search_json(cli, "Mugs")
    assert data == {
        "query": ["Mugs"],
        "total": 1,
        "results": [
            {
                "taxonomy_id": 1073,
                "name": "Mugs",
                "level": 4,
                "parent_id": 1062,
                "path": MUGS_PATH,
                "path_names": MUGS_PATH.split(" > "),
                "is_leaf": True,
            }
        ],
    }


def test_every_word_must_match_somewhere_in_the_path(cli, connected) -> None:
    assert ids(search_json(cli, "kitchen", "mug")) == [1073]
    assert ids(search_json(cli, "kitchen mug")) == [1073]  # one quoted argument, two words
    assert ids(search_json(cli, "kitchen", "vase")) == []


def test_leaves_and_deeper_nodes_come_first(cli, connected) -> None:
    # Home Decor (1025) > Vases (1031, leaf) | Candles & Holders (1017) > Candles (1018, leaf)
    assert ids(search_json(cli, "home", "decor")) == [1018, 1031, 1017, 1025]


@pytest.mark.parametrize("word", ["giclee", "GICLÉE", "gicle\u0301e", "Giclée"])
def test_search_ignores_case_and_accents(cli, connected, word: str) -> None:
    data = search_json(cli, word)
    assert ids(data) == [102]
    assert data["results"][0]["path"] == "Art & Collectibles > Prints > Giclée"


def test_no_match_is_a_plain_message_and_success(cli, connected) -> None:
    result = cli("taxonomy", "search", "spaceship")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No seller taxonomy node matches 'spaceship'" in result.stderr

    assert search_json(cli, "spaceship") == {"query": ["spaceship"], "total": 0, "results": []}


def test_limit_shows_the_best_and_says_how_many_matched(cli, connected) -> None:
    result = cli("taxonomy", "search", "home", "--limit", "2")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    assert "Showing 2 of 9" in result.stderr

    data = search_json(cli, "home", "--limit", "2")
    assert data["total"] == 9
    assert len(data["results"]) == 2

    assert cli("taxonomy", "search", "home", "--limit", "0").exit_code == ExitCode.USAGE


def test_the_taxonomy_is_fetched_once_and_kept_in_the_home(cli, connected, app_home) -> None:
    connected.clear_request_log()
    search_json(cli, "mug")
    assert taxonomy_requests(connected) == 1
    cached = json.loads((app_home / "taxonomy.json").read_text(encoding="utf-8"))
    assert cached["source"] == connected.api_url
    assert any(n["id"] == 1073 and n["path"][-1] == "Mugs" for n in cached["nodes"])

    assert ids(search_json(cli, "giclee")) == [102]
    assert taxonomy_requests(connected) == 1  # the copy served the second search

    search_json(cli, "mug", "--refresh")
    assert taxonomy_requests(connected) == 2


def test_a_week_old_copy_is_fetched_again(cli, connected, app_home) -> None:
    search_json(cli, "mug")
    path = app_home / "taxonomy.json"
    cached = json.loads(path.read_text(encoding="utf-8"))
    cached["fetched_at"] = isoformat(utcnow() - timedelta(days=8))
    path.write_text(json.dumps(cached), encoding="utf-8")
    connected.clear_request_log()

    assert ids(search_json(cli, "mug")) == [1073]
    assert taxonomy_requests(connected) == 1


def test_a_damaged_copy_is_fetched_again(cli, connected, app_home) -> None:
    (app_home / "taxonomy.json").write_text("{not json", encoding="utf-8")
    connected.clear_request_log()
    assert ids(search_json(cli, "mug")) == [1073]
    assert taxonomy_requests(connected) == 1


def test_a_kept_copy_needs_no_session(cli, connected) -> None:
    search_json(cli, "mug")
    assert cli("auth", "logout").exit_code == 0
    assert ids(search_json(cli, "mug")) == [1073]

    result = cli("taxonomy", "search", "mug", "--refresh")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "etsysync auth login" in result.stderr


def test_search_needs_a_connected_account_to_fetch(cli) -> None:
    result = cli("taxonomy", "search", "mug")
    assert result.exit_code == ExitCode.AUTH_NEEDED
    assert "no Etsy shop is connected" in result.stderr
    assert result.stdout == ""


def test_search_needs_words(cli) -> None:
    assert cli("taxonomy", "search").exit_code == ExitCode.USAGE
    result = cli("taxonomy", "search", "  ")
    assert result.exit_code == ExitCode.USAGE
    assert "at least one word" in result.stderr


# --- the library, without the sandbox ------------------------------------------------------------


def tree() -> list[TaxonomyNode]:
    return [
        TaxonomyNode.model_validate(
            {
                "id": 1,
                "level": 0,
                "name": "Café & Bar",
                "children": [
                    {"id": 2, "level": 1, "name": "Cups", "parent_id": 1},
                    {
                        "id": 3,
                        "level": 1,
                        "name": "Cup Holders",
                        "parent_id": 1,
                        "children": [{"id": 4, "level": 2, "name": "Racks", "parent_id": 3}],
                    },
                ],
            }
        )
    ]


def test_flatten_keeps_paths_levels_and_leaves() -> None:
    entries = taxonomy.flatten(tree())
    assert [(e.id, e.full_path, e.level, e.parent_id, e.is_leaf) for e in entries] == [
        (1, "Café & Bar", 0, None, False),
        (2, "Café & Bar > Cups", 1, 1, True),
        (3, "Café & Bar > Cup Holders", 1, 1, False),
        (4, "Café & Bar > Cup Holders > Racks", 2, 3, True),
    ]


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (["cafe"], [4, 2, 3, 1]),  # leaves (deepest first), then inner nodes, deepest first
        (["cup"], [4, 2, 3]),
        (["CUP", "holder"], [4, 3]),
        (["bar", "racks"], [4]),
        (["tea"], []),
    ],
)
def test_search_order(words: list[str], expected: list[int]) -> None:
    result = taxonomy.search(taxonomy.flatten(tree()), words)
    assert [e.id for e in result.matches] == expected
    assert result.total == len(expected)


def test_search_without_words_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        taxonomy.search(taxonomy.flatten(tree()), [" "])


def test_cache_is_per_source(tmp_path: Path) -> None:
    calls: list[int] = []

    def fetch() -> list[TaxonomyNode]:
        calls.append(1)
        return tree()

    taxonomy.load_entries(tmp_path, "http://a/v3", fetch)
    taxonomy.load_entries(tmp_path, "http://a/v3", fetch)
    assert len(calls) == 1
    assert [e.id for e in taxonomy.load_entries(tmp_path, "http://b/v3", fetch)] == [1, 2, 3, 4]
    assert len(calls) == 2
