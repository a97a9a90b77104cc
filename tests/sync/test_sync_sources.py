"""Bad catalogs through the CLI: one clear error, or one invalid product; never a half plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from etsysync_cli.errors import ExitCode
from etsysync_cli.sandbox import SandboxConfig
from tests.pacing import fast_config
from tests.sync.test_sync_e2e import plan


def test_a_malformed_json_file_stages_nothing(cli, connected, tmp_path: Path) -> None:
    broken = tmp_path / "catalog.json"
    broken.write_text('{"products": [\n  {"title": "ok", "variants": []},\n  {"title": oops}\n]}\n')
    result = cli("plan", "--source", "file", str(broken))
    assert result.exit_code == ExitCode.FAILURE
    assert "line 3" in result.stderr
    assert "Traceback" not in result.stderr
    status = json.loads(cli("status", "--json").stdout)
    assert status["jobs"] == []
    assert status["links"]["pending"] == 0


def test_one_bad_line_is_one_invalid_product(cli, connected, catalog, tmp_path: Path) -> None:
    lines = tmp_path / "catalog.jsonl"
    products = catalog.products()[:2]
    text = json.dumps(products[0]) + "\n{not json\n" + json.dumps(products[1]) + "\n"
    (tmp_path / "images").symlink_to(catalog.path.parent / "images")
    lines.write_text(text)
    staged = plan(cli, type("C", (), {"path": lines})())
    assert staged["counts"] == {"create": 2, "invalid": 1}
    (bad,) = [i for i in staged["items"] if i["action"] == "invalid"]
    assert any("line 2" in reason for reason in bad["reasons"])


def test_a_missing_file_is_a_usage_error(cli, connected, tmp_path: Path) -> None:
    result = cli("plan", "--source", "file", str(tmp_path / "nope.json"))
    assert result.exit_code == ExitCode.USAGE
    assert "does not exist" in result.stderr


class TestDailyQuota:
    @pytest.fixture
    def sandbox_config(self, callback_port: int) -> SandboxConfig:
        # Enough for login and the plan's reads, not for pushing the whole catalog.
        return fast_config(rpd=30, redirect_uris=[f"http://localhost:{callback_port}/callback"])

    def test_a_spent_quota_pauses_the_job_with_exit_75(self, cli, connected, catalog) -> None:
        staged = plan(cli, catalog)
        result = cli("confirm", staged["transaction_id"], "--yes")
        assert result.exit_code == ExitCode.QUOTA == 75
        assert "paused" in result.stderr
        assert f"etsysync confirm {staged['transaction_id']}" in result.stderr
        job = json.loads(cli("status", staged["transaction_id"], "--json").stdout)
        assert job["status"] == "paused"
        assert 0 < job["synced_count"] < staged["to_push"]
        assert job["failed_count"] == 0
