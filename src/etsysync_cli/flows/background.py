"""`confirm --background`: the run in a detached process, its output in a log file.

The job is marked `confirmed` first, so that no newer plan replaces it while the detached run
starts (plan refuses while it is confirmed and not started). A launcher starts the run in a
new session and exits at once, so the run is not our child: it outlives this process and the
terminal or cron shell, and leaves no zombie.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from etsysync_cli.config import private_folder
from etsysync_cli.reports import BackgroundDocument
from etsysync_cli.store import jobs
from etsysync_cli.store.db import Store
from etsysync_cli.store.jobs import Job

_LAUNCH = """
import subprocess, sys
with open(sys.argv[1], "ab") as log:
    run = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                           start_new_session=True)
print(run.pid)
"""


def launch(
    store: Store,
    home: Path,
    job: Job,
    *,
    account: str | None,
    max_requests: int | None,
    wait: float,
    write_back: bool | None,
) -> BackgroundDocument:
    """Start `etsysync confirm TXN` in its own session; its output goes to logs/TXN.log."""
    log_dir = private_folder(home / "logs")
    log_file = log_dir / f"{job.transaction_id}.log"
    os.close(os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    command = [sys.executable, "-m", "etsysync_cli", "confirm", job.transaction_id, "--yes"]
    command += ["--quiet", "--wait", str(wait)]
    if account:
        command += ["--account", account]
    if max_requests:
        command += ["--max-requests", str(max_requests)]
    if write_back is False:
        command += ["--no-write-back"]
    jobs.mark_confirmed(store, job)
    launcher = subprocess.run(
        [sys.executable, "-c", _LAUNCH, str(log_file), *command],
        capture_output=True,
        text=True,
        check=True,
    )
    return BackgroundDocument(
        transaction_id=job.transaction_id,
        pid=int(launcher.stdout.strip()),
        log_file=str(log_file),
    )
