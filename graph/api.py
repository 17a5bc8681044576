"""The schema: Query composed from every domain, with the extensions the settings ask for."""

import asyncio
import inspect
import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    DisableIntrospection,
    MaskErrors,
    ParserCache,
    ValidationCache,
)
from strawberry.relay.types import GlobalIDValueError

from .context import Info
from .errors import PublicError
from .schema.groups import GroupMutation, GroupQuery
from .schema.indicators import IndicatorQuery
from .schema.loans import LoanMutation, LoanQuery
from .schema.missions import MissionMutation, MissionQuery
from .schema.network import NetworkMutation, NetworkQuery
from .schema.operations import OperationsQuery
from .schema.savings import SavingsMutation, SavingsQuery
from .settings import Mode, Settings

log = logging.getLogger("edm_graph")


async def _node(info: Info, gid: relay.GlobalID) -> relay.Node | None:
    found = gid.resolve_type(info).resolve_nodes(info=info, node_ids=[gid.node_id])
    if inspect.isawaitable(found):
        found = await found
    return next(iter(found), None)


@strawberry.type(description="Everything a viewer may read across the network.")
class Query(
    NetworkQuery,
    GroupQuery,
    LoanQuery,
    SavingsQuery,
    MissionQuery,
    IndicatorQuery,
    OperationsQuery,
):
    # Plain resolvers rather than relay.node(), whose field extension cannot be applied to
    # two schemas in one process (development and production builds, tests).
    @strawberry.field(
        description="Any object by its global ID; null if it does not exist or is not visible."
    )
    async def node(self, info: Info, id: relay.GlobalID) -> relay.Node | None:
        return await _node(info, id)

    @strawberry.field(
        description="Objects by global IDs, in the same order; null for any not found or visible."
    )
    async def nodes(self, info: Info, ids: list[relay.GlobalID]) -> list[relay.Node | None]:
        return list(await asyncio.gather(*(_node(info, gid) for gid in ids)))


def _is_public(error: GraphQLError) -> bool:
    """Parse and validation errors, and errors raised for the client, keep their message."""
    original = error.original_error
    if original is None or isinstance(original, (PublicError, GlobalIDValueError, GraphQLError)):
        return True
    log.error("unexpected error in %s", error.path, exc_info=original)
    return False


@strawberry.type(description="Every write: one `input`, a payload with `userErrors`.")
class Mutation(NetworkMutation, GroupMutation, LoanMutation, SavingsMutation, MissionMutation):
    pass


def build_schema(settings: Settings) -> strawberry.Schema:
    # Factories: strawberry builds the extensions per request; the caches live at module level.
    extensions: list[Any] = [
        lambda: ParserCache(maxsize=1000),
        lambda: ValidationCache(maxsize=1000),
        lambda: MaskErrors(
            should_mask_error=lambda e: not _is_public(e), error_message="Internal error"
        ),
    ]
    if not settings.introspection_enabled:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)


def export_sdl() -> str:
    """The schema as integrators read it: development settings, everything visible."""
    return str(build_schema(Settings(mode=Mode.DEVELOPMENT)).as_str()) + "\n"


__all__: list[Any] = ["Query", "build_schema", "export_sdl"]
