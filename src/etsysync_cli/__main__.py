"""`python -m etsysync_cli` runs the command line."""

from etsysync_cli.cli.main import run

if __name__ == "__main__":  # not when a worker process of a plan imports it (spawn)
    run()
