"""One-line structured logs (structlog): JSON in production, readable in development.

Every record, ours and the standard library's (uvicorn, SQLAlchemy, Alembic), goes through
the same processors: UTC time, level, logger, the request id of the request it belongs to.
The access log (graph/observability/access.py) writes one line per request.
"""

import logging
import sys
import threading
from typing import Any, TextIO

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from ..security.middleware import current_request_id
from ..settings import Settings

# Strawberry logs every GraphQL error with its traceback, validation errors included; ours
# log server faults once, with the request id (graph/api.py MaskUnexpectedErrors).
_SILENCED = ("strawberry.execution",)
# Uvicorn's access log is replaced by ours, which knows the operation and the viewer.
_REPLACED = ("uvicorn.access",)


def _request_id(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    request_id = current_request_id()
    if request_id != "-":
        event.setdefault("request_id", request_id)
    return event


def _drop_color_message(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    event.pop("color_message", None)  # uvicorn's copy of the message with ANSI colours
    return event


_FIRST = ("timestamp", "level", "logger", "event", "request_id")


def _reorder(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """The fields a reader scans for first, first."""
    first = {key: event.pop(key) for key in _FIRST if key in event}
    return {**first, **event}


def _dumps(value: Any, **_: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _shared() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.ExtraAdder(),
        _drop_color_message,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _request_id,
    ]


def configure(settings: Settings, stream: TextIO | None = None) -> None:
    """Route every logger through one formatter writing to `stream` (standard error)."""
    out = stream or sys.stderr
    renderer: Processor
    if settings.log_json:
        # The traceback as one string field: a fault stays one line.
        renderer = structlog.processors.JSONRenderer(serializer=_dumps)
        exceptions: list[Processor] = [structlog.processors.format_exc_info]
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=out.isatty())
        exceptions = []
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *exceptions,
            _reorder,
            renderer,
        ],
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # Python warnings (SQLAlchemy's SAWarning among them) become records of `py.warnings`.
    logging.captureWarnings(True)
    for name in ("uvicorn", "uvicorn.error", "sqlalchemy", "alembic", "edm_graph", "py.warnings"):
        # Uvicorn's own configuration gives its loggers handlers; ours is the root's.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    for name in _SILENCED + _REPLACED:
        _silence(name)
    # Migrations at start-up say nothing unless something is wrong.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, root.level))
    # Our own records skip the standard library (a LogRecord, a copy, a formatter): the
    # access line is written on every request.
    _SINK.file = out
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_logger_name,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _request_id,
            *exceptions,
            _reorder,
            renderer,
        ],
        logger_factory=_Writer,
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[settings.log_level.upper()]
        ),
        # Not cached: tests and `configure` again switch the stream and format.
        cache_logger_on_first_use=False,
    )


class _Sink:
    """Where structlog's own loggers write: the stream `configure` chose, a line a call."""

    def __init__(self) -> None:
        self.file: TextIO = sys.stderr
        self.lock = threading.Lock()


_SINK = _Sink()


class _Writer:
    """structlog's logger for one name (`add_logger_name` reads it)."""

    def __init__(self, name: str | None = None, *_: Any) -> None:
        self.name = name or "edm_graph"

    def msg(self, message: str) -> None:
        with _SINK.lock:
            _SINK.file.write(message + "\n")
            _SINK.file.flush()

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


def _drop(record: logging.LogRecord) -> bool:
    return False


def _silence(name: str) -> None:
    # A filter, not `disabled`: logging.config.dictConfig (uvicorn's) re-enables loggers.
    logger = logging.getLogger(name)
    if _drop not in logger.filters:
        logger.addFilter(_drop)


def silence_duplicates() -> None:
    """Without `configure` (tests, an embedding app): still one traceback per fault."""
    for name in _SILENCED:
        _silence(name)


def get_logger(name: str) -> Any:
    """A structlog logger whose records name `name` as their logger."""
    return structlog.get_logger(name)
