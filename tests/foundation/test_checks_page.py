"""docs/checks.md names every plan-time check: a rule added to the code without a line on the
page fails here (the rules are functions, not a table, so the page is written by hand)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from types import ModuleType

from etsysync_cli.domain import mapping, rules, shop, variations
from etsysync_cli.flows import plan

PAGE = Path(__file__).resolve().parents[2] / "docs" / "checks.md"
# The checks that are not named `*_reasons` / `*_reason`.
OTHER_CHECKS = (
    (mapping, "check_draft"),
    (shop, "fill_defaults"),
    (plan, "image_problems"),
    (plan, "shop_problems"),
)


def reason_functions(module: ModuleType) -> list[str]:
    return [
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value)
        and value.__module__ == module.__name__
        and re.search(r"_reasons?$", name)
        and not name.startswith("_")
    ]


def test_the_page_names_every_check() -> None:
    text = PAGE.read_text(encoding="utf-8")
    named = set(re.findall(r"`(\w+)`", text))
    checks = [n for m in (rules, shop, variations, mapping) for n in reason_functions(m)]
    checks += [name for module, name in OTHER_CHECKS if callable(getattr(module, name))]
    assert {"title_reasons", "profile_reasons", "taxonomy_reasons", "no_third_reason"} <= set(
        checks
    )
    missing = sorted(set(checks) - named)
    assert missing == [], f"docs/checks.md does not name {missing}"
