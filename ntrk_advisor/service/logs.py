"""Structured logs: one JSON object per line on stderr, for the service and for uvicorn alike.

What a line may hold is fixed here, not at each call: the event, the service, the `hookInstance`,
the derived case's coded answers (free text and identifiers left out), the result's codes, the
card ids, the status and timings, and a failed FHIR fallback read's prefetch key and kind of
failure. A prefetch, a FHIR resource, a token or a comment is never passed in, so it can never be
written.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import sys
import time
from collections.abc import Mapping
from typing import Any, cast

import orjson

LOGGER = "ntrk_advisor.service"
FREE_TEXT_FIELDS = frozenset({"id", "tumor_type"})
"""Case fields a log never holds: the caller's label and the free-text tumour description."""


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, event and the record's fields."""

    _second: tuple[int, str] = (-1, "")
    """The last second written and its text (`2026-12-07T01:02:03`): a worker logs many a second."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as JSON text."""
        fields = getattr(record, "fields", None)
        exception = None
        if record.exc_info and record.exc_info[0] is not None:
            exception = record.exc_info[0].__name__  # the type only: a message may quote data
        return self.line(
            record.created,
            record.levelname,
            record.name,
            record.process,
            record.getMessage(),
            fields if isinstance(fields, dict) else None,
            exception,
        )

    def line(
        self,
        created: float,
        level_name: str,
        logger: str,
        pid: int | None,
        event: str,
        fields: dict[str, Any] | None,
        exception: str | None = None,
    ) -> str:
        """The JSON text of one line: what `format` writes for a record of these values."""
        line: dict[str, Any] = {
            "time": self.utc_time(created),
            "level": level_name.lower(),
            "logger": logger,
            "pid": pid,  # which worker, when several answer
            "event": event,
        }
        if fields:
            line.update(fields)
        if exception is not None:
            line["exception"] = exception
        return orjson.dumps(line, default=str).decode()

    def utc_time(self, created: float) -> str:
        """`created` as `datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")` gives it.

        The same rounding (to the microsecond, half to even, carrying into the second); the date and
        time of day are made once per second.
        """
        second = math.floor(created)
        micros = round((created - second) * 1e6)
        if micros >= 1_000_000:
            second, micros = second + 1, micros - 1_000_000
        known = self._second
        if known[0] != second:
            text = dt.datetime.fromtimestamp(second, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
            self._second = known = (second, text)
        return f"{known[1]}.{micros // 1000:03d}+00:00"


def log_config(level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` for uvicorn and the service: JSON lines on stderr."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "loggers": {
            **{
                name: {"handlers": ["stderr"], "level": level.upper(), "propagate": False}
                for name in ("uvicorn", "uvicorn.error", LOGGER)
            },
            # No access lines, in any worker (a worker applies this config again after uvicorn
            # turned its access log off): a URL may carry the answer page's token, and the
            # service writes its own line per request.
            "uvicorn.access": {"handlers": ["stderr"], "level": "WARNING", "propagate": False},
        },
    }


def setup(level: str = "info") -> None:
    """Apply `log_config` in this process (uvicorn applies it in each worker it starts)."""
    import logging.config

    logging.config.dictConfig(log_config(level))


_LOG = logging.getLogger(LOGGER)


def event(name: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one event with its fields (only the kinds of value the module's docstring allows).

    With the logging `log_config` sets up (the service's one handler, a stream with this module's
    formatter, no filters), the line is written to that stream as the handler would write it, under
    its lock, without a `LogRecord` or the handler chain: a hook call's line cost about a tenth of
    the call's CPU that way. Any other set-up (a test's capture, a handler added) gets the record
    through `Logger.handle` as `Logger.log` would hand it, without the caller's file and line.
    """
    if not _LOG.isEnabledFor(level):
        return
    handler = _direct_handler(level)
    if handler is not None:
        formatter = cast(JsonFormatter, handler.formatter)
        pid = os.getpid() if logging.logProcesses else None  # what a `LogRecord` would hold
        text = formatter.line(time.time(), logging.getLevelName(level), LOGGER, pid, name, fields)
        with handler.lock:  # type: ignore[union-attr]
            try:
                handler.stream.write(text + handler.terminator)
                handler.flush()
            except Exception:  # what `StreamHandler.emit` does with a failed write
                handler.handleError(_record(name, level, fields))
        return
    _LOG.handle(_record(name, level, fields))


def _record(name: str, level: int, fields: dict[str, Any]) -> logging.LogRecord:
    return _LOG.makeRecord(LOGGER, level, "", 0, name, (), None, extra={"fields": fields})


def _direct_handler(level: int) -> logging.StreamHandler[Any] | None:
    """The one stream handler `log_config` gives the service's logger, if that is all there is."""
    handlers = _LOG.handlers
    if len(handlers) != 1 or _LOG.filters or _LOG.propagate:
        return None
    handler = handlers[0]
    if (
        handler.__class__ is not logging.StreamHandler
        or handler.formatter.__class__ is not JsonFormatter
        or handler.filters
        or level < handler.level
    ):
        return None
    return handler


def coded_case(answers: Mapping[str, Any]) -> dict[str, Any]:
    """A case's answers fit for a log: coded values only, free text and identifiers left out."""
    return {k: v for k, v in answers.items() if k not in FREE_TEXT_FIELDS and isinstance(k, str)}


def warn_stderr(text: str) -> None:
    """A plain line on stderr, for the person who started the server (the insecure warning)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
