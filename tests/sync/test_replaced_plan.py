"""A plan replaced by a newer one before it was confirmed (issue 16, point 8): it reads as
`superseded`, names the newer plan, and `confirm` on it points at that one."""

from __future__ import annotations

import json
import re

from etsysync_cli.errors import ExitCode
from tests.sync.test_sync_e2e import confirm, plan


def test_a_replaced_plan_is_superseded_and_names_the_newer_one(cli, connected, catalog) -> None:
    old = plan(cli, catalog)["transaction_id"]
    new = plan(cli, catalog)["transaction_id"]

    job = json.loads(cli("status", old, "--json").stdout)
    assert (job["status"], job["superseded_by"]) == ("superseded", new)
    assert json.loads(cli("status", new, "--json").stdout)["superseded_by"] is None
    shown = cli("status", old)
    assert f"Job {old} superseded" in shown.stdout and f"replaced by {new}" in shown.stdout
    overview = cli("status").stdout
    assert any(old in line and "superseded" in line for line in overview.splitlines())
    feed = cli("status", "--feed").stdout
    assert re.search(rf"job_superseded +plan {old} superseded: replaced by plan {new}", feed)

    refused = confirm(cli, old)
    assert refused.exit_code == ExitCode.REFUSED  # as for a cancelled or expired plan
    assert re.search(
        rf"error: plan {old} was replaced by {new} at \d\d:\d\d UTC; nothing was sent",
        refused.stderr,
    )
    assert f"review it with `etsysync status {new}`, then `etsysync confirm {new}`" in (
        refused.stderr
    )
    watched = cli("status", old, "--watch")  # nothing to wait for: the same refusal, at once
    assert watched.exit_code == ExitCode.REFUSED
    assert f"was replaced by {new}" in watched.stderr
    assert confirm(cli, new).exit_code == 0
