"""One engine per process and short sessions per task (STYLE point 6).

Faults are bounded here: a connect timeout, a pool checkout timeout, a server-side
`statement_timeout` and a client-side command timeout a little above it (a frozen server
cannot enforce its own), stale pooled connections found by a ping at checkout, and one retry
of a read on a fresh connection when its connection turns out dead.
"""

import errno
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import event, exc
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.util import await_only


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds; `statement` 0 means none (migrations, seeding and refreshes may run long)."""

    connect: float = 5.0
    checkout: float = 20.0
    statement: float = 15.0


MAINTENANCE = Timeouts(connect=10.0, checkout=30.0, statement=0.0)
"""For migrate, seed and the indicators refresh: long statements are their job."""

# SQLSTATEs that mean the server went away or is not taking connections (yet): admin shutdown,
# crash shutdown, cannot connect now (starting, stopping, recovering), too many connections.
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03", "53300", "08000", "08003", "08006"})
_QUERY_CANCELED = "57014"
_UNREACHABLE = frozenset({errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN})


def _chain(error: BaseException | None) -> list[BaseException]:
    """The error, what SQLAlchemy wrapped (`orig`) and what caused it, outermost first."""
    seen: list[BaseException] = []
    while error is not None and error not in seen and len(seen) < 10:
        seen.append(error)
        orig = getattr(error, "orig", None)
        nxt = orig if isinstance(orig, BaseException) else None
        error = nxt or error.__cause__ or error.__context__
    return seen


def _sqlstate(error: BaseException) -> str | None:
    state = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return state if isinstance(state, str) else None


def statement_timed_out(error: BaseException | None) -> bool:
    """The server cancelled a statement that ran past `statement_timeout`."""
    return any(_sqlstate(e) == _QUERY_CANCELED for e in _chain(error))


def database_unavailable(error: BaseException | None) -> bool:
    """The database could not be reached, answered nothing in time, or dropped the connection:
    nothing about the request itself (HTTP 503, retry later)."""
    for e in _chain(error):
        if isinstance(e, exc.DBAPIError) and e.connection_invalidated:
            return True
        if isinstance(e, exc.TimeoutError):  # no pooled connection came free in time
            return True
        if isinstance(e, (asyncpg.PostgresConnectionError, asyncpg.InterfaceError)):
            return True
        if isinstance(e, (ConnectionError, TimeoutError, socket.gaierror)):
            return True
        if isinstance(e, OSError) and e.errno in _UNREACHABLE:
            return True
        if _sqlstate(e) in _UNAVAILABLE_STATES:
            return True
    return False


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    echo: bool = False,
    timeouts: Timeouts = Timeouts(),
    application_name: str = "edm-graph",
) -> AsyncEngine:
    server_settings = {"jit": "off", "application_name": application_name}
    if timeouts.statement:
        server_settings["statement_timeout"] = str(int(timeouts.statement * 1000))
    connect_args: dict[str, Any] = {
        # JIT compilation costs more than it saves on dashboard-sized queries.
        "server_settings": server_settings,
        "timeout": timeouts.connect,
    }
    if timeouts.statement:
        # The client gives up a little after the server would have: a frozen server cannot
        # cancel anything, and this also bounds the pre-ping.
        connect_args["command_timeout"] = timeouts.statement + 5
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=timeouts.checkout,
        echo=echo,
        connect_args=connect_args,
    )
    event.listen(engine.sync_engine, "handle_error", _mark_disconnects)
    # A connection from before a database restart is found dead at checkout and replaced,
    # rather than failing the request that drew it. SQLAlchemy's own pre-ping would wait
    # for the command timeout on a frozen server; this one waits PING_SECONDS at most.
    event.listen(engine.sync_engine.pool, "checkout", _ping)
    return engine


PING_SECONDS = 2.0


def _ping(dbapi_connection: Any, record: Any, proxy: Any) -> None:
    try:
        await_only(dbapi_connection.driver_connection.fetchval("SELECT 1", timeout=PING_SECONDS))
    except Exception as error:
        # The pool throws this connection away and draws a new one.
        raise exc.DisconnectionError(f"stale pooled connection: {error!r}") from error


def _mark_disconnects(context: ExceptionContext) -> None:
    """asyncpg reports a terminated backend as an error on a connection it still calls open;
    treat it as the disconnect it is, so the pool drops every connection of that generation."""
    if not context.is_disconnect and database_unavailable(context.original_exception):
        context.is_disconnect = True


class _ReadSession(AsyncSession):
    """A read that fails on a dead connection is run once more on a fresh one: reads are
    idempotent, and after a restart the failure says nothing about the request."""

    async def _again(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await method(*args, **kwargs)
        except exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            await self.rollback()
            return await method(*args, **kwargs)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self._again(super().execute, *args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return await self._again(super().scalar, *args, **kwargs)

    async def scalars(self, *args: Any, **kwargs: Any) -> Any:
        return await self._again(super().scalars, *args, **kwargs)


class Database:
    """Hands out short sessions: `read()` for a loader batch or list, `transaction()` for a write."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
        self._reads = async_sessionmaker(
            engine, class_=_ReadSession, expire_on_commit=False, autoflush=False
        )

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        async with self._reads() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
