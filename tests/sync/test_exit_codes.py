"""`plan --detailed-exitcode` as `terraform plan` has it: 0 nothing to push, 2 staged, 1 every
error, usage errors included (issue 16, point 4). Without the flag, codes are unchanged."""

from __future__ import annotations

import pytest

from etsysync_cli.errors import ExitCode
from tests.sync.test_sync_e2e import confirm, plan

DETAILED = "--detailed-exitcode"


def test_2_means_staged_and_0_nothing_to_push(cli, connected, catalog) -> None:
    staged = cli("plan", "--source", "file", str(catalog.path), DETAILED)
    assert staged.exit_code == 2, staged.stderr
    txn = plan(cli, catalog)["transaction_id"]  # the same changes, staged again as JSON
    assert confirm(cli, txn).exit_code == 0
    again = cli("plan", "--source", "file", str(catalog.path), DETAILED)
    assert again.exit_code == 0, again.stderr


@pytest.mark.parametrize(
    ("args", "without_flag", "says"),
    [
        (["plan", "{missing}"], ExitCode.USAGE, "does not exist"),
        (["plan"], ExitCode.USAGE, "no product source"),
        (["plan", "--source", "file"], ExitCode.USAGE, "needs a catalog path"),
        (["plan", "--bogus", "{catalog}"], ExitCode.USAGE, "--bogus"),
        (["--bogus", "plan", "{catalog}"], ExitCode.USAGE, "--bogus"),
        (["plan", "--limit", "0", "{catalog}"], ExitCode.USAGE, "--limit"),
        (["plan", "--include-drafts", "{catalog}"], ExitCode.USAGE, "medusa source"),
        (["plan", "{catalog}"], ExitCode.AUTH_NEEDED, "etsysync auth login"),  # no shop
    ],
)
def test_every_error_exits_1_with_the_flag(cli, catalog, tmp_path, args, without_flag, says):
    names = {"{missing}": str(tmp_path / "nowhere.json"), "{catalog}": str(catalog.path)}
    args = [names.get(a, a) for a in args]
    plain = cli(*args)
    assert plain.exit_code == without_flag, plain.stderr
    detailed = cli(*args, DETAILED)
    assert detailed.exit_code == ExitCode.FAILURE, detailed.stderr
    assert says in detailed.stderr  # the same message, only the code differs
    assert detailed.stderr == plain.stderr


def test_arguments_after_double_dash_are_not_the_flag(cli, tmp_path) -> None:
    """`--` ends the options: a file named like the flag is an argument, not a request."""
    result = cli("plan", "--source", "file", "--", DETAILED)
    assert result.exit_code == ExitCode.USAGE
    assert "does not exist" in result.stderr
