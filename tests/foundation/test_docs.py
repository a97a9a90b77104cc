"""README's generated sections match the code, and every command has help text."""

from __future__ import annotations

from pathlib import Path

from etsysync_cli import docs
from etsysync_cli.cli.app import command_tree

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_generated_sections_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert docs.render(text) == text, "README is stale: run `python -m etsysync_cli.docs`"


def test_generated_pages_are_current() -> None:
    root = README.parent
    for name, make in docs.PAGES.items():
        page = root / name
        assert page.is_file(), f"{name} is missing: run `python -m etsysync_cli.docs`"
        assert page.read_text(encoding="utf-8") == make(), (
            f"{name} is stale: run `python -m etsysync_cli.docs`"
        )


def test_every_command_has_help() -> None:
    command = command_tree()

    def walk(cmd, path):  # type: ignore[no-untyped-def]
        assert (cmd.help or "").strip(), f"`{' '.join(path)}` has no help text"
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])

    walk(command, ["etsysync"])


def test_every_exit_code_is_documented() -> None:
    from etsysync_cli.errors import ExitCode

    text = README.read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {code.value} | `{code.name}` |" in text, code


def test_detailed_exitcode_mapping_is_documented() -> None:
    """The flag turns every error into 1 (cli/main.py); README says so next to the table."""
    text = README.read_text(encoding="utf-8")
    assert "`plan --detailed-exitcode` follows `terraform plan`: 0 = nothing to push, 2 =" in text
    assert "1 = any error" in text
