"""Reading the docs as a user would copy from them: the `etsysync …` command lines they show, and
the links between the pages. The tests check both against the real program and the real files.

A command line is any shell command that runs `etsysync` (also by a path, `.venv/bin/etsysync`)
in a ```sh, ```console, ```bash or ```shell block, and any inline `etsysync …` in backticks.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHELL_BLOCKS = {"sh", "console", "bash", "shell"}
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", flags=re.MULTILINE | re.DOTALL)
INLINE = re.compile(r"(?<!`)`([^`]+)`(?!`)")
# Tokens that end a command: what comes after is another command or a redirection.
SEPARATORS = {"&&", "||", ";", "|", "&"}
PLACEHOLDERS = {"…", "..."}


def pages() -> list[Path]:
    """README.md and every page under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


@dataclass(frozen=True)
class CommandLine:
    page: str
    line: int
    text: str


def _line_of(markdown: str, offset: int) -> int:
    return markdown.count("\n", 0, offset) + 1


def _blank_fences(markdown: str) -> str:
    """The text with every fenced block blanked (same line numbers), to read the prose alone."""
    return FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), markdown)


def _words(text: str) -> list[str]:
    """Shell words, with `&&`, `|`, `;`, `>` as words of their own and `# comments` dropped."""
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    try:
        return list(lexer)
    except ValueError:  # an unbalanced quote in prose: read it plainly
        return text.split()


def _etsysync_commands(text: str) -> list[list[str]]:
    """Each `etsysync` invocation in a shell line, as its words (program name first)."""
    commands: list[list[str]] = []
    current: list[str] = []
    for word in [*_words(text), ";"]:
        if word in SEPARATORS or (word and set(word) <= set("<>&")):
            if current:
                commands.append(current)
            current = []
            if word not in SEPARATORS:  # a redirection: the rest of this command is its target
                current = ["#redirected"]
            continue
        current.append(word)
    found = []
    for words in commands:
        while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
            words = words[1:]  # NAME=value before the command
        if words and words[0] != "#redirected" and Path(words[0]).name == "etsysync":
            found.append(["etsysync", *words[1:]])
    return found


def command_lines(markdown: str, page: str = "the page") -> list[CommandLine]:
    """Every command line a reader of `markdown` could copy."""
    found: list[CommandLine] = []
    for block in FENCE.finditer(markdown):
        if block.group(1) not in SHELL_BLOCKS:
            continue
        first = _line_of(markdown, block.start(2))
        logical = ""
        for number, raw in enumerate(block.group(2).split("\n"), start=first):
            line = raw.strip()
            if not logical and line.startswith("$ "):
                line = line[2:]
            if line.endswith("\\"):  # continued on the next line
                logical += line[:-1] + " "
                continue
            logical += line
            found += [
                CommandLine(page, number, shlex.join(words))
                for words in _etsysync_commands(logical)
            ]
            logical = ""
    prose = _blank_fences(markdown)
    for span in INLINE.finditer(prose):
        text = " ".join(span.group(1).split())
        if re.match(r"etsysync(\s|$)", text):
            line = _line_of(prose, span.start())
            found += [CommandLine(page, line, shlex.join(w)) for w in _etsysync_commands(text)]
    return found


@dataclass
class CommandShape:
    """What a command accepts: its options (and whether each takes a value), its subcommands."""

    options: dict[str, bool] = field(default_factory=dict)
    subcommands: set[str] = field(default_factory=set)


def command_shapes() -> dict[tuple[str, ...], CommandShape]:
    """Every command path of the real Typer app, with what it accepts."""
    from etsysync_cli import docs

    shapes: dict[tuple[str, ...], CommandShape] = {}
    for path, command, ctx in docs.command_tree():
        shape = CommandShape()
        params: list[Any] = [*command.params, command.get_help_option(ctx)]
        for param in params:
            if param is None or param.param_type_name != "option":
                continue
            takes_value = not (param.is_flag or param.count)
            for name in [*param.opts, *param.secondary_opts]:
                shape.options[name] = takes_value
        shapes[tuple(path)] = shape
        if len(path) > 1:
            shapes[tuple(path[:-1])].subcommands.add(path[-1])
    return shapes


def _is_option(word: str) -> bool:
    return word.startswith("-") and word != "-" and not re.fullmatch(r"-\d+(\.\d+)?", word)


def problem(words: list[str], shapes: dict[tuple[str, ...], CommandShape]) -> str | None:
    """What is wrong with the command line `words` (`etsysync` first), or None if it would parse:
    every command exists, and every option is one of the command it follows (global options go
    before the command)."""
    path: tuple[str, ...] = ("etsysync",)
    arguments: list[str] = []
    rest = iter(words[1:])
    for raw in rest:
        word = raw.strip("[]")  # `etsysync auth login [--port N]`: the option is still checked
        if word == "--":
            break
        if _is_option(word):
            name = word.split("=", 1)[0]
            options = shapes[path].options
            if name not in options:
                if path != ("etsysync",) and name in shapes[("etsysync",)].options:
                    return f"`{name}` is a global option: it goes before the command"
                return f"`{' '.join(path)}` has no option `{name}`"
            if options[name] and "=" not in word:
                next(rest, None)  # its value
            continue
        subcommands = shapes[path].subcommands
        if subcommands and word not in PLACEHOLDERS:
            if word not in subcommands:
                return f"`{' '.join(path)}` has no command `{word}`"
            path = (*path, word)
        elif not subcommands:
            arguments.append(word)
    if path[1:2] == ("config",) and arguments and not arguments[0].isupper():
        from etsysync_cli.config import setting_keys

        if arguments[0] not in {info.key for info in setting_keys()}:
            return f"`{arguments[0]}` is not a setting"
    return None  # a group named on its own (`etsysync auth`) is a pointer to its commands


HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*$", flags=re.MULTILINE)
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def anchors(markdown: str) -> set[str]:
    """The `#fragment`s GitHub gives the headings of a page."""
    found = set()
    for heading in HEADING.finditer(_blank_fences(markdown)):
        text = re.sub(r"[^\w\- ]", "", heading.group(1).lower().replace("`", ""))
        found.add(text.replace(" ", "-"))
    return found


def relative_links(markdown: str) -> list[tuple[int, str]]:
    """(line, target) of every link to a file of the repository, outside code."""
    prose = INLINE.sub(lambda m: " " * len(m.group(0)), _blank_fences(markdown))
    links = []
    for link in LINK.finditer(prose):
        target = link.group(1)
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        links.append((_line_of(prose, link.start()), target))
    return links


def broken_links(page: Path, root: Path, allowed: Collection[str] = ()) -> list[str]:
    """`page:line: target: why` for every relative link of `page` that leads nowhere: a file that
    does not exist, or a `#heading` the page it names does not have. `allowed` names files (from
    `root`) that are taken as existing."""
    broken = []
    for line, target in relative_links(page.read_text(encoding="utf-8")):
        path_part, _, fragment = target.partition("#")
        resolved = (page.parent / path_part).resolve() if path_part else page
        if resolved.is_relative_to(root) and resolved.relative_to(root).as_posix() in allowed:
            continue
        where = f"{page.relative_to(root)}:{line}: {target}"
        if not resolved.exists():
            broken.append(f"{where}: no such file")
        elif (
            fragment
            and resolved.suffix == ".md"
            and fragment not in anchors(resolved.read_text(encoding="utf-8"))
        ):
            broken.append(f"{where}: no such heading")
    return broken
