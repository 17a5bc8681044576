"""A programme's own database, consolidated at head office by PostgreSQL logical replication.

The programme's database publishes its operations (without personal columns) and the derived
state its own triggers and refreshes keep; head office subscribes. Nothing here copies rows:
PostgreSQL's publication, subscription and replication slot do, and catch up after an outage
from the slot's retained WAL.

Why the derived state travels too: the apply worker runs with session_replication_role =
replica, so head office's ordinary triggers (the indicator counters and invalidations of
migration 0004) never fire for replicated rows, and statement triggers never fire on apply at
all. The programme's own counters and snapshots are therefore published with its ledger, in
the same transactions, and head office never refreshes a replicated programme's snapshots.

Why column lists and no row filter: PostgreSQL accepts a row filter on a table that publishes
updates only if its columns are in the replica identity (the primary key here), which
`programme_id` is not; `publish` instead checks that the database holds that programme's
operations only.
"""

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from .engine import Database, create_engine
from .models import Programme, ReplicatedProgramme, ReplicationHeartbeat

log = logging.getLogger("edm_graph.replication")

heartbeats = ReplicationHeartbeat.__table__
replicated = ReplicatedProgramme.__table__

# The programme's operations, in dependency order, and the columns head office never gets.
OPERATIONS = (
    "facilitators",
    "groups",
    "members",
    "group_memberships",
    "meetings",
    "meeting_attendances",
    "training_sessions",
    "attendances",
    "loan_products",
    "loans",
    "installments",
    "superseded_installments",
    "repayments",
    "savings_accounts",
    "savings_interest_postings",
    "savings_transactions",
)
# Kept by the programme's triggers and refreshes (migration 0004), and its heartbeat.
DERIVED = (
    "indicator_stocks",
    "indicator_days",
    "indicator_savings",
    "indicator_outreach",
    "indicator_state",
    "replication_heartbeats",
)
PUBLISHED = OPERATIONS + DERIVED
# As graph/schema/privacy.py lists them: these stay in-country.
PERSONAL = {
    "members": ("first_name", "last_name", "birth_year", "phone", "poverty_likelihood"),
    "facilitators": ("phone",),
}
MIN_SERVER_VERSION = 150000  # column lists in publications


class ReplicationError(Exception):
    """A one-line reason why publishing or subscribing cannot go on."""


@dataclass(frozen=True, slots=True)
class Replicated:
    code: str
    source: str


def name_for(code: str) -> str:
    """The publication's, subscription's and slot's name for a programme."""
    return f"edm_{code.lower()}"


# Reading and writing as the app does ----------------------------------------------------------


async def replicated_programmes(session: AsyncSession) -> dict[uuid.UUID, Replicated]:
    """The programmes whose operations arrive here from their own database."""
    p = Programme.__table__
    stmt = select(replicated.c.programme_id, p.c.code, replicated.c.source).join(
        p, p.c.id == replicated.c.programme_id
    )
    return {
        row.programme_id: Replicated(row.code, row.source) for row in await session.execute(stmt)
    }


async def written_elsewhere(session: AsyncSession) -> frozenset[tuple[uuid.UUID, str]]:
    """For Scope.elsewhere: each replicated programme, and where its operations are written."""
    return frozenset(
        (
            pid,
            f"{r.code}'s field operations are recorded in {r.code}'s own database ({r.source})"
            f" and replicated to head office: record them through {r.code}'s own edm-graph.",
        )
        for pid, r in (await replicated_programmes(session)).items()
    )


async def data_as_of(
    session: AsyncSession, programme_ids: list[uuid.UUID]
) -> dict[uuid.UUID, datetime]:
    """The last heartbeat received from each replicated programme among `programme_ids`."""
    stmt = (
        select(heartbeats.c.programme_id, heartbeats.c.beat_at)
        .join(replicated, replicated.c.programme_id == heartbeats.c.programme_id)
        .where(heartbeats.c.programme_id.in_(programme_ids))
    )
    return {row.programme_id: row.beat_at for row in await session.execute(stmt)}


async def beat(session: AsyncSession) -> None:
    """Stamp the heartbeats of the programmes published from here (never a replicated one)."""
    await session.execute(
        update(ReplicationHeartbeat)
        .where(heartbeats.c.programme_id.not_in(select(replicated.c.programme_id)))
        .values(beat_at=text("now()"))
    )


async def keep_beating(url: str, every_seconds: float) -> None:
    """Beat until cancelled, on a connection of its own (the app's pool and its statement
    counts stay the requests'); a failed beat is logged and tried again at the next."""
    db = Database(create_engine(url, pool_size=1))
    try:
        while True:
            try:
                async with db.transaction() as session:
                    await beat(session)
            except Exception:  # the database may be down a while: the next beat tries again
                log.warning("heartbeat not written", exc_info=True)
            await asyncio.sleep(every_seconds)
    finally:
        await db.dispose()


# Connecting to a peer --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Peer:
    host: str
    port: int
    database: str
    user: str
    password: str | None

    @classmethod
    def parse(cls, url: str) -> "Peer":
        try:
            u = make_url(url)
        except Exception as error:  # sqlalchemy's ArgumentError or a bad port
            raise ReplicationError(f"not a database URL: {url!r} ({error})") from None
        if not u.drivername.startswith("postgresql") or not u.database:
            raise ReplicationError(
                f"not a PostgreSQL URL with a database: {url!r}"
                " (postgresql://user:password@host:port/database)"
            )
        return cls(
            host=u.host or "127.0.0.1",
            port=u.port or 5432,
            database=u.database,
            user=u.username or "postgres",
            password=u.password if u.password is None else str(u.password),
        )

    @property
    def where(self) -> str:
        """host:port/database, without credentials."""
        return f"{self.host}:{self.port}/{self.database}"

    def conninfo(self) -> str:
        """libpq key=value form, for the subscription."""

        def quoted(value: str) -> str:
            return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

        pairs = {"host": self.host, "port": str(self.port), "dbname": self.database}
        pairs["user"] = self.user
        if self.password is not None:
            pairs["password"] = self.password
        return " ".join(f"{k}={quoted(v)}" for k, v in pairs.items())


async def connect(peer: Peer, *, role: str) -> asyncpg.Connection:
    """A connection to `peer`, or a ReplicationError saying in one line why not."""
    at = f"{role} at {peer.host}:{peer.port}"
    try:
        return await asyncpg.connect(
            host=peer.host,
            port=peer.port,
            user=peer.user,
            password=peer.password,
            database=peer.database,
            timeout=10,
        )
    except asyncpg.InvalidPasswordError:
        raise ReplicationError(f"wrong password for user {peer.user!r} on the {at}") from None
    except asyncpg.InvalidCatalogNameError:
        raise ReplicationError(f"the {at} has no database {peer.database!r}") from None
    except asyncpg.InvalidAuthorizationSpecificationError as error:
        raise ReplicationError(f"the {at} refused user {peer.user!r}: {error}") from None
    except (OSError, TimeoutError) as error:
        if isinstance(error, ConnectionRefusedError):
            reason = "connection refused (is PostgreSQL running there?)"
        elif isinstance(error, TimeoutError):
            reason = "no answer within 10 s"
        else:
            reason = error.strerror or str(error) or type(error).__name__
        raise ReplicationError(f"cannot reach the {at}: {reason}") from None


async def reachable(url: str, *, role: str) -> None:
    """Connect once to the database at `url`, or say in one line why not."""
    conn = await connect(Peer.parse(url), role=role)
    await conn.close()


async def _require_logical_server(conn: asyncpg.Connection, at: str) -> None:
    version = int(await conn.fetchval("SHOW server_version_num"))
    if version < MIN_SERVER_VERSION:
        raise ReplicationError(f"the {at} runs PostgreSQL {version // 10000}: 15 or later needed")
    wal_level = await conn.fetchval("SHOW wal_level")
    if wal_level != "logical":
        raise ReplicationError(
            f"the {at} has wal_level = {wal_level}: set wal_level = logical"
            " (postgresql.conf or ALTER SYSTEM) and restart PostgreSQL"
        )


async def _programme(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM programmes WHERE code = $1", code
    )
    return row


async def _holding(conn: asyncpg.Connection, where: str, *args: Any) -> list[str]:
    """The operations tables with a row matching `where` (a condition on programme_id)."""
    found = []
    for table in OPERATIONS:
        if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {where})", *args):
            found.append(table)
    return found


# The programme's side ----------------------------------------------------------------------------


def _publication_sql(action: str, name: str, lists: dict[str, str]) -> str:
    """CREATE or ALTER (SET) the publication: every table whole, but the personal columns."""
    tables = [f"{t} ({lists[t]})" if t in lists else t for t in PUBLISHED]
    verb = "FOR" if action == "CREATE" else "SET"
    return f"{action} PUBLICATION {name} {verb} TABLE {', '.join(tables)}"


async def _column_lists(conn: asyncpg.Connection) -> dict[str, str]:
    lists = {}
    for table, hidden in PERSONAL.items():
        columns = await conn.fetch(
            "SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0"
            " AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
            table,
        )
        lists[table] = ", ".join(c["attname"] for c in columns if c["attname"] not in hidden)
    return lists


async def _published(conn: asyncpg.Connection, name: str) -> dict[str, tuple[str, ...]] | None:
    """The publication's tables and their columns, or None if it does not exist."""
    if not await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1)", name
    ):
        return None
    rows = await conn.fetch(
        "SELECT tablename, attnames FROM pg_publication_tables WHERE pubname = $1", name
    )
    return {r["tablename"]: tuple(r["attnames"]) for r in rows}


async def publish(url: str, code: str) -> str:
    """Publish programme `code`'s operations from the database at `url`. Returns what it did."""
    peer = Peer.parse(url)
    conn = await connect(peer, role="programme's database")
    try:
        await _require_logical_server(conn, "programme's database")
        programme = await _programme(conn, code)
        if programme is None:
            raise ReplicationError(f"this database has no programme {code}")
        others = await _holding(conn, "programme_id <> $1", programme["id"])
        if others:
            raise ReplicationError(
                f"this database holds other programmes' operations too ({', '.join(others)}):"
                f" publish from {code}'s own database"
            )
        name = name_for(code)
        lists = await _column_lists(conn)
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO replication_heartbeats (programme_id) VALUES ($1)"
                " ON CONFLICT DO NOTHING",
                programme["id"],
            )
            current = await _published(conn, name)
            if current is None:
                await conn.execute(_publication_sql("CREATE", name, lists))
                return f"Published {code} as {name} ({len(PUBLISHED)} tables, personal columns kept here)."
            wanted = {t: tuple(c.strip() for c in lists[t].split(",")) for t in lists}
            same = set(current) == set(PUBLISHED) and all(current[t] == wanted[t] for t in wanted)
            if same:
                return f"{code} is already published as {name}: nothing changed."
            await conn.execute(_publication_sql("ALTER", name, lists))
            return f"Updated publication {name} to the current tables and columns."
    except asyncpg.PostgresError as error:
        raise ReplicationError(f"PostgreSQL refused: {_first_line(error)}") from None
    finally:
        await conn.close()


# Head office's side ------------------------------------------------------------------------------


async def subscribe(url: str, code: str, source_url: str) -> str:
    """Subscribe the head-office database at `url` to programme `code` published at
    `source_url`. Returns what it did."""
    source = Peer.parse(source_url)
    local = await connect(Peer.parse(url), role="head-office database")
    try:
        remote_role = "programme's database"
        remote = await connect(source, role=remote_role)
        try:
            await _require_logical_server(remote, remote_role)
            theirs = await _programme(remote, code)
            if theirs is None:
                raise ReplicationError(
                    f"the {remote_role} at {source.where} has no programme {code}"
                )
            name = name_for(code)
            if not await remote.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1)", name
            ):
                raise ReplicationError(
                    f"the {remote_role} at {source.where} does not publish {code}: run"
                    f" `edm-graph federation publish --programme {code}` there first"
                )
            published = {
                r["tablename"]
                for r in await remote.fetch(
                    "SELECT tablename FROM pg_publication_tables WHERE pubname = $1", name
                )
            }
            may_replicate = await remote.fetchval(
                "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user"
            )
            if not may_replicate:
                raise ReplicationError(
                    f"user {source.user!r} may not replicate from {source.where}:"
                    f" ALTER ROLE {source.user} REPLICATION there"
                )
        finally:
            await remote.close()
        return await _subscribe_here(local, code, theirs, source, published)
    except asyncpg.PostgresError as error:
        raise ReplicationError(f"PostgreSQL refused: {_first_line(error)}") from None
    finally:
        await local.close()


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


async def _subscribe_here(
    conn: asyncpg.Connection, code: str, theirs: asyncpg.Record, source: Peer, published: set[str]
) -> str:
    name = name_for(code)
    exists = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_subscription s JOIN pg_database d ON d.oid = s.subdbid"
        " WHERE s.subname = $1 AND d.datname = current_database())",
        name,
    )
    ours = await _programme(conn, code)
    if ours is not None and ours["id"] != theirs["id"]:
        raise ReplicationError(
            f"{code} has id {ours['id']} here and {theirs['id']} in its own database:"
            " the same programme must have the same id on both sides"
        )
    if not exists:
        if ours is not None:
            held = await _holding(conn, "programme_id = $1", ours["id"])
            if held:
                raise ReplicationError(
                    f"head office already holds {code}'s operations ({', '.join(held)}):"
                    " replicating would duplicate them"
                )
        else:
            await _copy_programme(conn, theirs)
        # CREATE SUBSCRIPTION makes the slot on the programme's side: no transaction block.
        await conn.execute(
            f"CREATE SUBSCRIPTION {name} CONNECTION '{_literal(source.conninfo())}'"
            f" PUBLICATION {name}"
        )
    await conn.execute(
        "INSERT INTO replicated_programmes (programme_id, subscription, source)"
        " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        theirs["id"],
        name,
        source.where,
    )
    if exists:
        subscribed = {
            r["relname"]
            for r in await conn.fetch(
                "SELECT c.relname FROM pg_subscription_rel r"
                " JOIN pg_subscription s ON s.oid = r.srsubid JOIN pg_class c ON c.oid = r.srrelid"
                " WHERE s.subname = $1",
                name,
            )
        }
        if published - subscribed:
            # A newer edm-graph publishes more tables: copy them and follow them too.
            await conn.execute(f"ALTER SUBSCRIPTION {name} REFRESH PUBLICATION")
            added = ", ".join(sorted(published - subscribed))
            return f"Refreshed subscription {name}: now also {added}."
        return f"Head office is already subscribed to {code}: nothing changed."
    return f"Subscribed to {code} from {source.where} ({name}); the first copy is under way."


def _literal(value: str) -> str:
    return value.replace("'", "''")


async def _copy_programme(conn: asyncpg.Connection, theirs: asyncpg.Record) -> None:
    """Head office's row for the programme, as its own database has it (head office owns it
    from then on: phase, milestones, missions)."""
    network = await conn.fetchval("SELECT id FROM networks ORDER BY name LIMIT 1")
    if network is None:
        raise ReplicationError("head office has no network yet: load its reference data first")
    for table, column, key in (
        ("currencies", "code", theirs["currency_code"]),
        ("countries", "code", theirs["country_code"]),
    ):
        if not await conn.fetchval(
            f"SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} = $1)", key
        ):
            raise ReplicationError(f"head office has no {table} row {key!r}: add it first")
    values = dict(theirs) | {"network_id": network}
    columns = list(values)
    await conn.execute(
        f"INSERT INTO programmes ({', '.join(columns)})"
        f" VALUES ({', '.join(f'${i}' for i in range(1, len(columns) + 1))})",
        *values.values(),
    )
