"""The docs cannot drift from the program: the generated pages and sections are current, every
command line they show would parse, every link between them resolves, and README stays a guide."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from etsysync_cli import docs
from etsysync_cli.cli.app import command_tree
from etsysync_cli.errors import ExitCode
from tests.foundation import doclines

ROOT = doclines.ROOT
README = ROOT / "README.md"


def test_generated_pages_and_sections_are_current() -> None:
    for path, text in docs.generated_files(ROOT).items():
        name = path.relative_to(ROOT)
        assert path.is_file(), f"{name} is missing: run `python -m etsysync_cli.docs`"
        assert path.read_text(encoding="utf-8") == text, (
            f"{name} is stale: run `python -m etsysync_cli.docs`"
        )


def test_readme_is_a_guide_not_a_reference() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 300, f"README.md has {len(lines)} lines: move reference to docs/"
    # The newcomer's path stays first and as it is.
    text = "\n".join(lines)
    assert text.index("## Two commands") < text.index("## Connecting your real shop")
    assert "&& .venv/bin/etsysync demo" in text and "bash .ci/run" in text


def test_every_exit_code_is_documented() -> None:
    readme = README.read_text(encoding="utf-8")
    page = (ROOT / "docs/exit-codes.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {code.value} | `{code.name}` |" in readme, code
        assert f"| {code.value} | `{code.name}` |" in page, code
    # The flag turns every error into 1 (cli/main.py); the page says so next to the table.
    assert "`plan --detailed-exitcode` follows `terraform plan`: 0 = nothing to push, 2 =" in page
    assert "1 = any error" in page


def test_every_command_has_help() -> None:
    command = command_tree()

    def walk(cmd, path):  # type: ignore[no-untyped-def]
        assert (cmd.help or "").strip(), f"`{' '.join(path)}` has no help text"
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, [*path, name])

    walk(command, ["etsysync"])


def test_every_command_line_in_the_docs_is_one_etsysync_accepts() -> None:
    shapes = doclines.command_shapes()
    checked, wrong = 0, []
    for page in doclines.pages():
        name = str(page.relative_to(ROOT))
        for line in doclines.command_lines(page.read_text(encoding="utf-8"), name):
            checked += 1
            problem = doclines.problem(shlex.split(line.text), shapes)
            if problem:
                wrong.append(f"{line.page}:{line.line}: {line.text}: {problem}")
    assert not wrong, "\n".join(wrong)
    assert checked > 100  # README and docs/ show many; none was silently skipped


WRONG_PAGE = """\
Run `etsysync stauts` to see it, or `etsysync auth statsu`.

```sh
etsysync plan --source file catalog.json --nope   # a flag plan does not have
etsysync sync --debug --auto-approve
$ /usr/local/bin/etsysync confirm txn_1 --background && etsysync status --wach
ETSYSYNC_HOME=/tmp/h etsysync --json status
etsysync config set listing.state active \\
    --yes
etsysync config set listing.colour blue
```

```console
$ etsysync status --failed
```

Fine: `etsysync status TXN --watch`, `etsysync auth login [--port N]`, `etsysync --debug plan`.
"""


def test_the_checker_catches_wrong_command_lines() -> None:
    shapes = doclines.command_shapes()
    lines = doclines.command_lines(WRONG_PAGE)
    found = {(line.line, doclines.problem(shlex.split(line.text), shapes)) for line in lines}
    assert found == {
        (1, "`etsysync` has no command `stauts`"),
        (1, "`etsysync auth` has no command `statsu`"),
        (4, "`etsysync plan` has no option `--nope`"),
        (5, "`--debug` is a global option: it goes before the command"),
        (6, None),
        (6, "`etsysync status` has no option `--wach`"),
        (7, "`etsysync` has no option `--json`"),
        (9, "`etsysync config set` has no option `--yes`"),
        (10, "`listing.colour` is not a setting"),
        (14, None),
        (17, None),
    }, found


def test_every_relative_link_resolves() -> None:
    broken = [
        problem for page in doclines.pages() for problem in doclines.broken_links(page, ROOT, set())
    ]
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("[a](docs/x.md) and [b](https://example.com) and `[c](no.md)`", [(1, "docs/x.md")]),
        ("```md\n[d](inside.md)\n```\n![img](pics/a.png)", [(4, "pics/a.png")]),
    ],
)
def test_links_are_read_outside_code(markdown: str, expected: list[tuple[int, str]]) -> None:
    assert doclines.relative_links(markdown) == expected


def test_a_broken_link_is_reported(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/there.md").write_text("# Here\n\n## Putting `etsysync` on your PATH\n")
    page = tmp_path / "README.md"
    page.write_text(
        "[ok](docs/there.md) [ok](docs/there.md#putting-etsysync-on-your-path) [ok](#top)\n"
        "[gone](docs/gone.md) [no heading](docs/there.md#nowhere) [allowed](docs/later.md)\n"
        "# Top\n"
    )
    assert doclines.broken_links(page, tmp_path, {"docs/later.md"}) == [
        "README.md:2: docs/gone.md: no such file",
        "README.md:2: docs/there.md#nowhere: no such heading",
    ]


def test_a_page_shows_an_example_file_once_it_exists(tmp_path: Path) -> None:
    page = (
        "Intro\n<!-- ex:start: examples/x.csv -->\n```csv\nwritten,in,the,page\n```\n"
        "<!-- ex:end -->\n"
    )
    sections = {"ex": docs.example_file("examples/x.csv", "csv")}
    assert docs.render(page, sections, root=tmp_path) == page  # no file yet: kept as written
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples/x.csv").write_text("handle,title\nmug,Mug\n")
    assert docs.render(page, sections, root=tmp_path) == (
        "Intro\n<!-- ex:start: examples/x.csv -->\n```csv\nhandle,title\nmug,Mug\n```\n"
        "<!-- ex:end -->\n"
    )
