"""The statuses of jobs, plan items and product links, as enums (the database checks the same
values). StrEnum members compare equal to their text, so rows read from SQLite need no
conversion to be compared."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    PENDING = "pending"  # staged by `plan`, waiting for `confirm` (until it expires)
    CONFIRMED = "confirmed"  # confirmed; the run has not started yet (a background launch)
    PROCESSING = "processing"  # a run is pushing it
    PAUSED = "paused"  # the run stopped part-way (quota, tokens); `confirm` resumes it
    COMPLETED = "completed"  # every pushed item synced
    FAILED = "failed"  # the run finished and some items failed
    CANCELLED = "cancelled"  # closed before confirm by the user (or a run given up part-way)
    EXPIRED = "expired"  # not confirmed within its lifetime
    # Replaced by a newer plan (`superseded_by` names it): before confirm, or after its run had
    # stopped part-way and nobody ran it any more (the newer plan carries what is left).
    SUPERSEDED = "superseded"

    @property
    def unfinished_run(self) -> bool:
        """A run was confirmed and has not finished: `confirm` (again) resumes it."""
        return self in RUN_STATUSES

    @property
    def ran(self) -> bool:
        return self in DONE_STATUSES


RUN_STATUSES = (JobStatus.CONFIRMED, JobStatus.PROCESSING, JobStatus.PAUSED)
DONE_STATUSES = (JobStatus.COMPLETED, JobStatus.FAILED)
# Closed before any run: nothing was sent.
CLOSED_STATUSES = (JobStatus.CANCELLED, JobStatus.EXPIRED, JobStatus.SUPERSEDED)


class Action(StrEnum):
    """What a plan does with one product."""

    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    INVALID = "invalid"
    ORPHANED = "orphaned"  # linked, but gone from the source: only `--prune` deactivates it


class Outcome(StrEnum):
    """What the push did with one plan item."""

    SYNCED = "synced"
    FAILED = "failed"


class LinkStatus(StrEnum):
    """A product's link to its Etsy listing (store/links.py owns every change of it)."""

    PENDING = "pending"  # a plan will push it (or a push is under way)
    SYNCED = "synced"  # the listing holds what was last pushed
    FAILED = "failed"  # the last push of it failed (sync_error says why)
    OUT_OF_SYNC = "out_of_sync"  # the store changed since the last push, or adopted and differing
