"""The ASGI app: routes, the engine's lifecycle, and the GraphQL view with its context."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import orjson
from cross_web import HTTPException
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from db import missions as db_missions
from db import network as db_network
from db.engine import Database, create_engine
from db.scope import Scope
from domain.enums import Role

from .api import build_schema
from .context import Context, Viewer
from .dataloaders import build_loaders
from .settings import Settings

VIEWER_HEADER = "x-viewer-programmes"
ROLE_HEADER = "x-viewer-role"
SUBJECT_HEADER = "x-viewer-subject"


async def viewer_from_request(request: Request, db: Database) -> Viewer:
    """Development stand-in for authentication: headers name the role and the programmes.

    No header: head office, the whole network. `x-viewer-programmes: FANSOTO,YIKRI` scopes to
    those programmes (as programme staff unless `x-viewer-role` says otherwise). An EXPERT is
    named by `x-viewer-subject` (her email) and sees the programmes she supports.
    """
    header = request.headers.get(VIEWER_HEADER)
    role_name = request.headers.get(ROLE_HEADER)
    try:
        role = Role(role_name) if role_name else None
    except ValueError:
        raise HTTPException(400, f"{ROLE_HEADER}: unknown role {role_name}") from None
    subject = request.headers.get(SUBJECT_HEADER, "dev@edm")
    if role is Role.EXPERT:
        # An expert is known by her email; she reads the programmes she supports.
        async with db.read() as session:
            expert = await db_missions.expert_by_email(session, subject)
        if expert is None:
            raise HTTPException(400, f"{SUBJECT_HEADER}: no expert with email {subject}")
        expert_id, supported = expert
        scope = Scope(supported, role=role, expert_id=expert_id)
        return Viewer(subject=subject, scope=scope)
    if header is None:
        role = role or Role.HEAD_OFFICE
        programme_ids = None
    else:
        codes = [code.strip() for code in header.split(",") if code.strip()]
        async with db.read() as session:
            found = await db_network.programme_ids_by_code(session, codes)
        unknown = sorted(set(codes) - set(found))
        if unknown:
            raise HTTPException(
                400, f"{VIEWER_HEADER}: unknown programme code(s) {', '.join(unknown)}"
            )
        role = role or Role.PROGRAMME_STAFF
        programme_ids = frozenset(found.values())
    scope = Scope(programme_ids, role=role, read_only=role is Role.INTEGRATOR)
    return Viewer(subject=subject, scope=scope)


class GraphQLView(GraphQL[Context, None]):
    def __init__(self, settings: Settings) -> None:
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            allow_queries_via_get=True,
        )
        self.settings = settings

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        assert isinstance(request, Request)
        db: Database = request.app.state.db
        viewer = await viewer_from_request(request, db)
        return Context(
            request=request,
            settings=self.settings,
            db=db,
            viewer=viewer,
            loaders=build_loaders(db, viewer.scope),
        )

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def ready(request: Request) -> Response:
    db: Database = request.app.state.db
    try:
        async with db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database means not ready
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "reachable"})


def create_app(settings: Settings) -> Starlette:
    if settings.database_url is None:
        raise ValueError("create_app needs a database URL (the CLI starts an embedded one)")
    url = settings.database_url

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.db = Database(create_engine(url, pool_size=settings.pool_size))
        try:
            yield
        finally:
            await app.state.db.dispose()

    graphql = GraphQLView(settings)
    return Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            Route("/health", health),
            Route("/ready", ready),
        ],
        lifespan=lifespan,
    )
