"""The `edm-graph` command: serve, seed, migrate, export the schema, mint a token.

Every setting is checked before anything runs: a refusal is one line per setting on standard
error and exit status 2, as is a database that cannot be used (wrong host, port, password or
database name).
"""

import asyncio
import errno
import logging
import os
import re
import signal
import socket
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import click
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from db import migrate
from db.engine import MAINTENANCE, Database, Timeouts, create_engine
from db.indicators import refresh as refresh_indicators
from db.seed import SeedSize
from domain.enums import Role

from .settings import Settings, problems

log = logging.getLogger("edm_graph")

CONFIGURATION_ERROR = 2


def refuse(*lines: str) -> NoReturn:
    for line in lines:
        click.echo(f"edm-graph: {line}", err=True)
    sys.exit(CONFIGURATION_ERROR)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        refuse(*problems(error))


def _maintenance(settings: Settings) -> Timeouts:
    """Migrate, seed and refresh run long statements on purpose: their own time limit."""
    return Timeouts(
        connect=MAINTENANCE.connect,
        checkout=MAINTENANCE.checkout,
        statement=settings.maintenance_statement_timeout,
    )


async def _cannot_use(url: str, wait: float) -> str | None:
    """Why the database at `url` cannot be used, in one line, or None if it can."""
    import asyncpg  # type: ignore[import-untyped]

    parsed = make_url(url)
    host = parsed.host or str(parsed.query.get("host", "localhost"))
    where = f"{host}:{parsed.port or 5432}" if parsed.host else host
    try:
        conn = await asyncpg.connect(
            user=parsed.username,
            password=parsed.password,
            host=host,
            port=parsed.port,
            database=parsed.database,
            timeout=wait,
        )
    except asyncpg.InvalidPasswordError:
        return f"password authentication failed for user {parsed.username!r} at {where}"
    except asyncpg.InvalidCatalogNameError:
        return f"database {parsed.database!r} does not exist at {where}"
    except asyncpg.InvalidAuthorizationSpecificationError as error:
        return f"{error} (at {where})"
    except socket.gaierror:
        return f"unknown host {host!r}"
    except TimeoutError:
        return f"no answer from {where} within {wait:g} s (EDM_DB_CONNECT_TIMEOUT)"
    except OSError as error:
        refused = error.errno == errno.ECONNREFUSED or isinstance(error, ConnectionRefusedError)
        reason = "connection refused" if refused else (error.strerror or str(error))
        return f"cannot connect to {where}: {reason} (is PostgreSQL running there?)"
    except asyncpg.PostgresError as error:
        return f"{error} (at {where})"
    await conn.close()
    return None


def _stop_on_signals() -> None:
    """SIGTERM and SIGINT unwind the stack (SystemExit), so the `finally` that stops an
    embedded PostgreSQL always runs; uvicorn restores this handler and re-raises the signal
    once its graceful shutdown is done."""

    def leave(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGINT, leave)


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The configured database (checked first), or an embedded one in the data directory
    while in use."""
    from db.embedded import EmbeddedUnavailable, installed, running

    if settings.database_url is not None:
        reason = asyncio.run(_cannot_use(settings.database_url, settings.db_connect_timeout))
        if reason is not None:
            shown = make_url(settings.database_url).render_as_string(hide_password=True)
            refuse(f"DATABASE_URL={shown}: {reason}")
        yield settings.database_url
        return
    try:
        installed()
    except EmbeddedUnavailable as error:
        refuse(str(error))
    _stop_on_signals()
    click.echo(
        f"No DATABASE_URL: starting an embedded PostgreSQL in {settings.data_dir}/", err=True
    )
    with running(settings.data_dir) as url:
        yield url


def _progress(stage: str, done: int, total: int) -> None:
    end = "\n" if done >= total else ""
    click.echo(f"\r  {stage}: {done:,}/{total:,}", nl=False, err=True)
    if end:
        click.echo("", err=True)


async def seed_database(
    url: str, settings: Settings, *, size: SeedSize, as_of: date, only_if_empty: bool
) -> bool:
    """Load demo data of `size`; True if this call loaded it (False: it was there already)."""
    from db.seed import is_seeded, seed

    engine = create_engine(url, timeouts=_maintenance(settings))
    try:
        # Replicas starting together: the first seeds, the others wait here and find data.
        async with migrate.exclusively(url, migrate.SEED_LOCK):
            if await is_seeded(engine):
                if only_if_empty:
                    return False
                raise click.ClickException("the database already holds data; seed an empty one")
            click.echo(f"Loading demo data ({size.members:,} members, as of {as_of})…", err=True)
            counts = await seed(engine, size=size, as_of=as_of, progress=_progress)
            click.echo(
                "Loaded: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()), err=True
            )
            # The indicators' snapshots, so dashboards need not read the ledger.
            await refresh_indicators(Database(engine), today=as_of, progress=_progress)
            return True
    finally:
        await engine.dispose()


@click.group()
def main() -> None:
    """edm-graph: one GraphQL API over the Entrepreneurs du Monde network."""
    from .observability.logging import configure

    configure(load_settings())


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(min=1),
    help="Processes serving requests (default: 1 in development, the CPU count in production).",
)
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Migrate, load the demo data into an empty database, and serve GraphQL at /graphql."""
    import uvicorn

    from .app import create_app
    from .auth import ConfigurationError, TokenVerifier
    from .security import persisted
    from .security.http import server_limits

    settings = load_settings()
    # The keys and the allow-list are checked before any database work.
    try:
        TokenVerifier(settings)
        if settings.persisted_queries_file is not None:
            persisted.load(settings.persisted_queries_file)
    except (ConfigurationError, persisted.InvalidAllowList) as error:
        refuse(str(error))
    _stop_on_signals()
    with database(settings) as url:
        migrate.upgrade(url)
        if settings.demo_data_enabled:
            demo = SeedSize.demo()
            asyncio.run(
                seed_database(url, settings, size=demo, as_of=date.today(), only_if_empty=True)
            )
        bind_host, bind_port = host or settings.host, port or settings.port
        processes = workers or (os.cpu_count() or 1 if settings.production else 1)
        click.echo(
            f"GraphQL at http://{bind_host}:{bind_port}/graphql ({settings.mode}, "
            f"{processes} worker{'s' if processes > 1 else ''})",
            err=True,
        )
        # Uvicorn's loggers go through ours (log_config=None); our access log has the
        # request id, operation and viewer, so uvicorn's is off.
        options: dict[str, Any] = {
            "host": bind_host,
            "port": bind_port,
            "log_level": settings.log_level,
            "log_config": None,
            "access_log": False,
            **server_limits(settings),
            # In-flight requests get this long after SIGTERM; then the rest are cut.
            "timeout_graceful_shutdown": int(settings.shutdown_timeout),
        }
        if processes > 1:
            # Each worker builds its app from the environment, with this database.
            os.environ["DATABASE_URL"] = url
            uvicorn.run("graph.app:from_environment", factory=True, workers=processes, **options)
            return
        app = create_app(settings.model_copy(update={"database_url": url}))
        config = uvicorn.Config(
            app,
            host=bind_host,
            port=bind_port,
            log_level=settings.log_level,
            log_config=None,
            access_log=False,
            **server_limits(settings),
            # In-flight requests get this long after SIGTERM; then the rest are cut.
            timeout_graceful_shutdown=int(settings.shutdown_timeout),
        )
        uvicorn.Server(config).run()


@main.command()
@click.option("--scale", is_flag=True, help="Benchmark size: 250,000 members, ~1M loans.")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The data's 'today' (default: today).",
)
def seed(scale: bool, as_of: object) -> None:
    """Load deterministic demo data into an empty database."""
    settings = load_settings()
    day = as_of.date() if hasattr(as_of, "date") else date.today()
    with database(settings) as url:
        migrate.upgrade(url)
        size = SeedSize.benchmark() if scale else SeedSize.demo()
        asyncio.run(seed_database(url, settings, size=size, as_of=day, only_if_empty=False))


@main.group()
def indicators() -> None:
    """The indicators' daily snapshots (stocks on each day they change, flows by day)."""


@indicators.command(name="refresh")
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Refresh up to the day before this date (default: today).",
)
def indicators_refresh(as_of: object) -> None:
    """Bring the snapshots up to yesterday; run it daily (cron). Reads are right without it,
    only slower for what the snapshots do not cover."""
    day = as_of.date() if hasattr(as_of, "date") else date.today()
    settings = load_settings()

    async def run(url: str) -> int:
        engine = create_engine(url, timeouts=_maintenance(settings))
        try:
            return await refresh_indicators(Database(engine), today=day, progress=_progress)
        finally:
            await engine.dispose()

    with database(settings) as url:
        migrate.upgrade(url)
        days = asyncio.run(run(url))
    click.echo(f"Computed {days:,} programme-days.", err=True)


@main.group()
def federation() -> None:
    """A programme's own database, consolidated at head office by PostgreSQL logical
    replication (DATABASE_URL: this side's database)."""


def _replicate(role: str, work: Callable[[str], Coroutine[Any, Any, str]]) -> None:
    from db.replication import ReplicationError, reachable

    url = load_settings().database_url
    if url is None:
        raise click.UsageError(f"set DATABASE_URL to the {role} (wal_level = logical)")
    try:
        asyncio.run(reachable(url, role=role))
        migrate.upgrade(url)
        click.echo(asyncio.run(work(url)))
    except ReplicationError as error:
        raise click.ClickException(str(error)) from None


@federation.command()
@click.option("--programme", "code", required=True, help="The programme's code, e.g. FANSOTO.")
def publish(code: str) -> None:
    """On the programme's side: publish its operations, personal columns excluded."""
    from db.replication import publish as publish_programme

    _replicate("programme's database", lambda url: publish_programme(url, code.upper()))


@federation.command()
@click.option("--programme", "code", required=True, help="The programme's code, e.g. FANSOTO.")
@click.option(
    "--from",
    "source",
    required=True,
    help="The programme's database: postgresql://user:password@host:port/database "
    "(a user with the REPLICATION attribute).",
)
def subscribe(code: str, source: str) -> None:
    """On head office's side: subscribe to a programme's publication."""
    from db.replication import subscribe as subscribe_programme

    _replicate("head-office database", lambda url: subscribe_programme(url, code.upper(), source))


@main.command(name="migrate")
def migrate_command() -> None:
    """Bring the database schema to the latest migration."""
    with database(load_settings()) as url:
        migrate.upgrade(url)


@main.command(name="export-schema")
@click.argument("path", type=click.Path(path_type=Path), default=Path("schema.graphql"))
@click.option(
    "--federation",
    is_flag=True,
    help="Write only the Federation subgraph's SDL (what `_service { sdl }` serves) to PATH.",
)
def export_schema(path: Path, federation: bool) -> None:
    """Write the GraphQL schema (SDL) to PATH, '-' for standard output, and the Federation
    subgraph's SDL beside it (schema.graphql: schema.federation.graphql)."""
    from .api import export_federation_sdl, export_sdl

    if str(path) == "-":
        sys.stdout.write(export_federation_sdl() if federation else export_sdl())
        return
    written = {path: export_federation_sdl()} if federation else {path: export_sdl()}
    if not federation:
        written[path.with_name(f"{path.stem}.federation{path.suffix}")] = export_federation_sdl()
    for target, sdl in written.items():
        target.write_text(sdl)
        click.echo(f"Wrote {target}", err=True)


_DURATION = re.compile(r"(\d+)([smhd]?)")
_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _duration(value: str) -> int:
    found = _DURATION.fullmatch(value.strip())
    if found is None or int(found[1]) == 0:
        raise click.BadParameter("a duration such as 3600, 30m, 8h or 7d")
    return int(found[1]) * _SECONDS[found[2]]


@main.command()
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role], case_sensitive=False),
    help="What the holder does: HEAD_OFFICE, EXPERT, PROGRAMME_STAFF or INTEGRATOR.",
)
@click.option(
    "--programme",
    "programmes",
    multiple=True,
    help="A programme code (repeat for several). PROGRAMME_STAFF and INTEGRATOR: at least "
    "one; HEAD_OFFICE: none for the whole network; EXPERT: narrows what she supports.",
)
@click.option(
    "--subject",
    default=None,
    help="Who holds it (the audit trail's actor); an EXPERT's email. Default: <role>@dev.",
)
@click.option("--ttl", default="8h", help="Lifetime: seconds, or 30m, 8h, 7d (default 8h).")
def token(role: str, programmes: tuple[str, ...], subject: str | None, ttl: str) -> None:
    """Print a signed token (HS256 with EDM_JWT_SECRET; in development, the data directory's
    dev secret) to send as `Authorization: Bearer <token>`."""
    from .auth import ConfigurationError, mint, signing_secret

    settings = load_settings()
    try:
        secret = signing_secret(settings)
    except ConfigurationError as error:
        raise click.ClickException(str(error)) from None
    if secret is None:
        raise click.ClickException(
            "no HS256 secret to sign with: set EDM_JWT_SECRET (tokens verified by a public "
            "key or JWKS come from your identity provider)"
        )
    chosen = Role(role.upper())
    click.echo(
        mint(
            secret,
            role=chosen,
            programmes=programmes,
            subject=subject or f"{chosen.value.lower()}@dev",
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl_seconds=_duration(ttl),
        )
    )


if __name__ == "__main__":
    main()
