"""Logging: human-readable or JSON lines, with the run id on every line, to the run log file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

_RUN_ID = "-"


class _RunIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.run_id = _RUN_ID
        return True


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
                "level": record.levelname.lower(),
                "logger": record.name,
                "run_id": getattr(record, "run_id", _RUN_ID),
                "message": record.getMessage(),
            }
        )


def set_run_id(run_id: str) -> None:
    global _RUN_ID
    _RUN_ID = run_id


def configure(log_dir: Path, *, fmt: str = "text", verbose: bool = False) -> Path:
    """Log to ``log_dir/crm-warehouse.log`` (and, with ``verbose``, to stderr).

    Without ``verbose`` the terminal shows only what the CLI renders, so an expected failure
    stays one line."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / ("crm-warehouse.jsonl" if fmt == "json" else "crm-warehouse.log")
    formatter: logging.Formatter = (
        _JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s [%(run_id)s] %(name)s: %(message)s")
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_crm_warehouse", False):
            root.removeHandler(handler)
    handlers: list[logging.Handler] = [logging.FileHandler(path)]
    if verbose:
        handlers.append(logging.StreamHandler())
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(_RunIdFilter())
        handler._crm_warehouse = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    for noisy in ("dlt", "dbt", "urllib3", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
