"""One clock and one time format for everything etsysync stores, prints and logs.

Times are aware datetimes in UTC; as text they are ISO 8601 to the second with a `Z`
(`2026-12-01T03:00:00Z`), in SQLite, in every `--json` document, in logs and on webhooks.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def isoformat(moment: datetime) -> str:
    """`2026-12-01T03:00:00Z`: the one text form of a time."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def isoformat_or_none(moment: datetime | None) -> str | None:
    return isoformat(moment) if moment is not None else None


def parse_time(text: str | None) -> datetime | None:
    """The datetime of an ISO 8601 text (with `Z` or an offset); None for None or ''."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
