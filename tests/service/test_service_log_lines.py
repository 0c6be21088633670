"""A log line written straight to the service's stream is the line the logging handler writes.

`logs.event` skips the `LogRecord` and the handler chain when the service's logger has the set-up
`log_config` gives it (one stream handler, this module's formatter, no filters), and goes through
`logging` otherwise, so a capture or an added handler still sees every record.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from ntrk_advisor.service import logs

MOMENT = 1_765_000_000.123456
FIELDS: dict[str, Any] = {
    "service": "ntrk-advisor",
    "status": 200,
    "case": {"age_years": 3},
    "cards": ["a", "b"],
}


class FixedTime:
    @staticmethod
    def time() -> float:
        return MOMENT


@pytest.fixture
def stream(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The service's logger as `log_config` sets it up, writing to a text buffer at a fixed time."""
    logger = logging.getLogger(logs.LOGGER)
    kept = (logger.handlers[:], logger.filters[:], logger.propagate, logger.level)
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logs.JsonFormatter())
    logger.handlers, logger.filters, logger.propagate = [handler], [], False
    logger.setLevel(logging.INFO)
    monkeypatch.setattr(logs, "time", FixedTime)
    yield buffer
    logger.handlers, logger.filters, logger.propagate, logger.level = kept


def as_served() -> None:
    """Leave the service's logger its one handler: pytest adds capture handlers to it for each test."""
    logger = logging.getLogger(logs.LOGGER)
    for handler in logger.handlers[1:]:
        logger.removeHandler(handler)


def through_logging(name: str, level: int, fields: dict[str, Any]) -> str:
    """The line the handler's own `format` makes of the record `Logger.log` would make."""
    record = logs._record(name, level, fields)
    record.created = MOMENT
    return logs.JsonFormatter().format(record) + "\n"


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING, logging.ERROR])
def test_a_line_written_straight_is_the_line_the_handler_writes(stream: io.StringIO, level: int) -> None:
    as_served()
    logs.event("hook_call", level, **FIELDS)
    assert stream.getvalue() == through_logging("hook_call", level, FIELDS)
    line = orjson.loads(stream.getvalue())
    assert line["time"] == "2025-12-06T05:46:40.123+00:00"
    assert line["level"] == logging.getLevelName(level).lower()


def test_without_process_ids_the_line_has_none_as_a_record_would(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    as_served()
    monkeypatch.setattr(logging, "logProcesses", False)
    logs.event("hook_call", **FIELDS)
    assert stream.getvalue() == through_logging("hook_call", logging.INFO, FIELDS)
    assert orjson.loads(stream.getvalue())["pid"] is None


def test_a_line_without_fields_names_the_event_only(stream: io.StringIO) -> None:
    as_served()
    logs.event("stopped")
    assert stream.getvalue() == through_logging("stopped", logging.INFO, {})


def test_a_level_below_the_handlers_writes_nothing(stream: io.StringIO) -> None:
    as_served()
    logging.getLogger(logs.LOGGER).handlers[0].setLevel(logging.WARNING)
    logs.event("hook_call", **FIELDS)
    assert stream.getvalue() == ""
    logs.event("refused", logging.WARNING, **FIELDS)
    assert stream.getvalue() == through_logging("refused", logging.WARNING, FIELDS)


def test_a_capture_or_a_second_handler_gets_every_record_through_logging(
    stream: io.StringIO, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=logs.LOGGER):
        logs.event("hook_call", **FIELDS)
    assert [record.getMessage() for record in caplog.records] == ["hook_call"]
    assert caplog.records[0].fields == FIELDS  # type: ignore[attr-defined]
    assert orjson.loads(stream.getvalue())["event"] == "hook_call"  # written once, by the handler


def test_a_filter_on_the_logger_is_obeyed(stream: io.StringIO) -> None:
    as_served()
    logger = logging.getLogger(logs.LOGGER)
    logger.addFilter(lambda record: record.getMessage() != "hidden")
    logs.event("hidden", **FIELDS)
    logs.event("shown", **FIELDS)
    assert [orjson.loads(line)["event"] for line in stream.getvalue().splitlines()] == ["shown"]


def test_a_failed_write_is_handled_as_the_handler_handles_it(
    stream: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = logging.getLogger(logs.LOGGER).handlers[0]
    as_served()
    seen: list[logging.LogRecord] = []
    monkeypatch.setattr(handler, "handleError", seen.append)
    stream.close()  # writing to it raises ValueError
    logs.event("hook_call", **FIELDS)  # no exception reaches the request
    assert [record.getMessage() for record in seen] == ["hook_call"]
