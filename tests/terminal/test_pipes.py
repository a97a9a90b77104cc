"""`etsysync status` in a pipe and in an 80-column terminal (issue 16, point 13): plain text that
fits, ids whole, chatter on stderr, NO_COLOR honoured."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

from tests.sync.conftest import catalog  # noqa: F401  (fixture)
from tests.terminal.terminal_helpers import SGR, in_a_terminal_raw

STATUS = [sys.executable, "-m", "etsysync_cli", "status"]
ESC = "\x1b["
# A colour in an SGR sequence (NO_COLOR forbids colour; bold and italic may stay).
COLOUR = re.compile(r"\x1b\[(?:[0-9]+;)*(?:3[0-9]|9[0-7])[;m]")


def _staged(cli: Any, catalog: Any) -> str:  # noqa: F811
    result = cli("plan", str(catalog.path), "--json")
    assert result.exit_code in (0, 2), result.stderr
    found = re.search(r"txn_[0-9A-Za-z_]+", result.stdout)
    assert found, result.stdout
    return found.group()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    return {**env, **extra}


def test_piped_status_is_plain_and_80_columns(cli, connected, catalog) -> None:  # noqa: F811
    transaction_id = _staged(cli, catalog)
    run = subprocess.run(STATUS, capture_output=True, text=True, env=_env(), timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    table = [line for line in lines if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= 80, run.stdout  # not a forced 160
    assert "pending" in run.stdout and "stat\n" not in run.stdout  # words whole
    assert ESC not in run.stdout
    assert any(transaction_id in line for line in lines)  # the id whole, on one line
    assert max(len(line) for line in lines) <= 80, run.stdout  # the shop's line wraps too
    for header in ("transaction", "status", "created", "to push", "synced", "failed"):
        assert header in run.stdout, run.stdout  # every header whole, none cut to fit


def test_status_in_an_80_column_terminal_honours_no_color(cli, connected, catalog) -> None:  # noqa: F811
    transaction_id = _staged(cli, catalog)
    for no_color, coloured in ((None, True), ("1", False)):
        # 24 rows, 80 columns: what the terminal reports to Rich.
        code, screen = in_a_terminal_raw(["status"], **({"NO_COLOR": no_color} if no_color else {}))
        assert code == 0
        assert bool(COLOUR.search(screen)) is coloured
        plain = SGR.sub("", screen)
        rows = [line for line in plain.splitlines() if line[:1] in "┏┃┡│└"]
        assert rows and max(len(line) for line in rows) <= 80, plain
        assert any(transaction_id in line for line in plain.splitlines())


def test_piped_job_view_wraps_words_not_ids(cli, connected, catalog) -> None:  # noqa: F811
    # The demo catalog's gift box is invalid with two long reasons: at 80 columns they wrap
    # at words in the one outcome column (six narrow columns used to fold "characte|rs").
    transaction_id = _staged(cli, catalog)
    job = [*STATUS, transaction_id]
    run = subprocess.run(job, capture_output=True, text=True, env=_env(), timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, run.stdout
    words = set(re.sub(r"[│┃┏┓┗┛┡┩━─┳╇┴└┘]", " ", run.stdout).split())
    assert {"characters;", "etsy_title)", "prod_demo_giftbox", transaction_id} <= words, words
