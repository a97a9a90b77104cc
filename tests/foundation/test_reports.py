"""Every `--json` document, as the real commands print it, is exactly its model in reports.py:
no field the model (and so docs/json.md) does not describe, none it describes missing."""

from __future__ import annotations

import json
import re
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from etsysync_cli import reports
from tests.sync.conftest import Catalog

TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")  # the one time format (clock.py)


def assert_document(model: type[BaseModel], data: Any) -> None:
    """`data` validates against `model` (unknown fields are refused) and carries every field,
    nested documents included."""
    model.model_validate(data)
    _same_fields(model, data, model.__name__)


def _same_fields(model: type[BaseModel], data: Any, where: str) -> None:
    assert isinstance(data, dict), where
    assert set(data) == set(model.model_fields), (
        f"{where}: printed {sorted(set(data) - set(model.model_fields))}, "
        f"missing {sorted(set(model.model_fields) - set(data))}"
    )
    for name, info in model.model_fields.items():
        if name.endswith("_at") and isinstance(data[name], str):
            assert TIME.fullmatch(data[name]), f"{where}.{name}: {data[name]!r} is not UTC with Z"
        inner = _report_in(info.annotation)
        value = data[name]
        if inner is None or value is None:
            continue
        if isinstance(value, list):
            items = list(enumerate(value))
        elif _is_mapping_of_reports(info.annotation):
            items = list(value.items())  # an object of documents, by key
        else:
            items = [(0, value)]
        for key, item in items:
            _same_fields(inner, item, f"{where}.{name}[{key}]")


def _is_mapping_of_reports(annotation: Any) -> bool:
    return get_origin(annotation) is dict or any(
        get_origin(arg) is dict for arg in get_args(annotation)
    )


def _report_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, reports.Report):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _report_in(arg)
        if found is not None:
            return found
    return None


def run_json(cli: Any, *args: str, codes: tuple[int, ...] = (0,)) -> Any:
    result = cli(*args, "--json")
    assert result.exit_code in codes, result.stderr
    data = json.loads(result.stdout)
    # Byte for byte what cli/views.print_json writes, streamed lists included (issue 17).
    assert result.stdout == json.dumps(data, indent=2, sort_keys=True) + "\n"
    return data


def test_every_document_matches_its_model(cli, connected, tmp_path) -> None:
    catalog = Catalog(tmp_path / "catalog")
    path = str(catalog.path)

    plan = run_json(cli, "plan", "--source", "file", path)
    assert_document(reports.PlanDocument, plan)
    assert any(item["action"] == "invalid" for item in plan["items"])  # both shapes of item

    run = run_json(cli, "confirm", plan["transaction_id"], "--yes", codes=(0, 3))
    assert_document(reports.RunDocument, run)

    assert_document(reports.JobDocument, run_json(cli, "status", plan["transaction_id"]))
    assert_document(reports.StatusDocument, run_json(cli, "status", "--failed"))
    assert_document(reports.StatusDocument, run_json(cli, "status"))
    product = plan["items"][0]["product_id"]
    assert_document(reports.LinkReport, run_json(cli, "status", "--product", product))
    assert_document(reports.FeedDocument, run_json(cli, "status", "--feed"))

    catalog.edit("prod_demo_mug", lambda p: p.update(title="Speckled Mug, Large"))
    lines = cli("sync", "--source", "file", path, "--auto-approve", "--json")
    assert lines.exit_code in (0, 3), lines.stderr
    records = [json.loads(line) for line in lines.stdout.splitlines()]
    kinds = {
        "plan": reports.SyncPlanLine,
        "item": reports.SyncItemLine,
        "summary": reports.SyncSummaryLine,
    }
    assert records[0]["event"] == "plan" and records[-1]["event"] == "summary"
    for record in records:
        assert_document(kinds[record["event"]], record)

    adopted = run_json(cli, "adopt", "--source", "file", path)
    assert_document(reports.AdoptDocument, adopted)

    assert_document(reports.AuthStatusDocument, run_json(cli, "auth", "status", "--check"))
    assert_document(reports.ShopDocument, run_json(cli, "shop"))
    assert_document(reports.TaxonomyDocument, run_json(cli, "taxonomy", "search", "mug"))
    assert_document(reports.ConfigDocument, run_json(cli, "config", "show"))


def test_the_webhook_body_matches_its_model(cli, connected, tmp_path, app_home) -> None:
    from etsysync_cli.flows.notify import pending_events
    from etsysync_cli.store.db import Store

    catalog = Catalog(tmp_path / "catalog")
    run_json(cli, "plan", "--source", "file", str(catalog.path))
    with Store.open(app_home) as store:
        events = pending_events(store)
    assert events
    for event in events:
        assert_document(reports.WebhookEvent, event)


def test_every_document_is_in_the_reference() -> None:
    from etsysync_cli import docs

    page = docs.json_page()
    for command in reports.DOCUMENTS:
        assert f"### `{command}`" in page
