"""`etsysync demo` as a newcomer sees it, in an 80-column terminal: its prose wraps at words."""

from __future__ import annotations

from pathlib import Path

from tests.pacing import FAST
from tests.terminal.terminal_helpers import in_a_terminal


def test_the_demo_wraps_its_prose_at_words_at_80_columns(tmp_path: Path) -> None:
    home = str(tmp_path / "demo")
    args = ["demo", "--home", home, "--latency-ms", "0", "--rps", str(FAST["rps"])]
    code, screen = in_a_terminal(args, ETSYSYNC_HOME=str(tmp_path / "app"))

    assert code == 0, screen
    # What the terminal shows last on each line (a progress bar redraws its line after a CR).
    lines = [line.split("\r")[-1] for line in screen.split("\n")]
    # A line longer than the terminal is cut by the terminal wherever the edge falls, mid-word
    # ("per lis" / "ting"). Only what is there to be copied, the demo's home and the commands
    # that name it, is printed whole, whatever its length (a test's home is a long path).
    too_long = [line for line in lines if len(line) > 80 and home not in line]
    assert not too_long, too_long
    # The plan's footer, its notes and the push's summary are all there, wrapped, not lost.
    text = " ".join(" ".join(lines).split())
    assert "publish fees $0.00 ($0.20 per listing that goes active)" in text
    assert "using the shop's only shipping profile" in text
    assert "11 synced, 0 failed, 1 not sent: invalid," in text and "Etsy requests" in text
