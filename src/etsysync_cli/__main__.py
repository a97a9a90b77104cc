"""`python -m etsysync_cli` runs the command line."""

from etsysync_cli.cli.main import run

run()
