"""Structured log lines for unattended runs: `--log-file PATH` or ETSYSYNC_LOG_FILE.

One line per event: `2026-11-28T03:00:01Z INFO job_started transaction_id=txn_… message="…"`.
Every line passes through `redact`, which masks anything shaped like an Etsy token, a bearer
value, an API key header, a Medusa secret key or an OAuth code — so a token that reaches a
message by accident is still never written.

`logging` itself is imported only when a log file is set up: every command calls `setup`, and
most have no log file (start-up, issue 17).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from etsysync_cli.errors import ConfigError

if TYPE_CHECKING:
    import logging

# logging's levels, for `event` without importing logging.
INFO, WARNING, ERROR, CRITICAL = 20, 30, 40, 50
LOGGER_NAME = "etsysync"

_logger: logging.Logger | None = None  # while a log file is set up


def __getattr__(name: str) -> Any:
    # `logs.logger`, etsysync's logger (logging imported now).
    if name == "logger":
        import logging

        return logging.getLogger(LOGGER_NAME)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_SECRET_KEYS = (
    "access_token|refresh_token|code|code_verifier|client_secret|shared_secret|api_key|"
    "password|token"
)
# Patterns as text: `re` compiles each when a line is first redacted, not at every start-up.
_PATTERNS: list[tuple[str, Any]] = [
    # Etsy tokens: "<numeric user id>.<opaque>"
    (r"\b\d{3,}\.[A-Za-z0-9_\-]{12,}", "***"),
    (r"(?i)(bearer\s+)[^\s\"',]+", r"\1***"),
    (r"(?i)(x-api-key[\"']?\s*[:=]\s*[\"']?)[^\s\"',]+", r"\1***"),
    (r"\bsk_[A-Za-z0-9_\-]{6,}", "sk_***"),
    # user:password@ in a URL (a webhook's basic auth), and every value of a URL's query
    (r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@\"']+@", r"\1***@"),
    (r"(https?://[^\s\"'?]*\?)[^\s\"']+", lambda m: _mask_query(m)),
    # key="a quoted value" (the formatter quotes values with spaces, `=` or quotes)
    (rf'(?i)\b({_SECRET_KEYS})="(?:[^"\\]|\\.)*"', r'\1="***"'),
    (rf"(?i)\b({_SECRET_KEYS})=([^&\s\"']+)", r"\1=***"),
]


def _mask_query(match: re.Match[str]) -> str:
    head, query = match.group(1), match.group(0)[len(match.group(1)) :]
    return head + "&".join(f"{p.split('=', 1)[0]}=***" for p in query.split("&") if p)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = re.sub(pattern, replacement, text)
    return text


def _line(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds")
    fields: dict[str, Any] = getattr(record, "fields", {})
    parts = [moment.replace("+00:00", "Z"), record.levelname, record.getMessage()]
    for key, value in fields.items():
        if value is None:
            continue
        text = str(value)
        if not text or any(ch.isspace() or ch in '"=' for ch in text):
            text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{key}={text}")
    return redact(" ".join(parts))


def setup(path: str | Path | None) -> None:
    """Send etsysync's log lines to `path` (appending). No path: logging stays off."""
    global _logger
    if not path and _logger is None:
        return  # off, and never on in this process: logging is not even imported
    import logging

    class LineFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return _line(record)

    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    _logger = None
    if not path:
        logger.setLevel(CRITICAL + 1)
        return
    target = Path(path).expanduser()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(target, encoding="utf-8")
        target.chmod(0o600)  # what happened in the shop, for this user only
    except OSError as exc:
        raise ConfigError(
            f"cannot write the log file {target}: {exc.strerror or exc}",
            hint="pass --log-file with a file in a folder this user can write, or unset "
            "ETSYSYNC_LOG_FILE / log.file",
        ) from None
    handler.setFormatter(LineFormatter())
    logger.addHandler(handler)
    logger.setLevel(INFO)
    logger.propagate = False
    _logger = logger


def event(name: str, level: int = INFO, **fields: Any) -> None:
    """Log one structured line: the event name, then key=value fields."""
    if _logger is not None and _logger.isEnabledFor(level):
        _logger.log(level, name, extra={"fields": fields})
