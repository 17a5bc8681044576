from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from db import operations as db_operations
from db.scope import Scope
from domain.enums import Role

from ..context import Info
from ..schema import operations as types
from ..schema.relay import Connection
from . import network as network_resolvers
from .base import root_connection

if TYPE_CHECKING:
    from ..schema.network import Programme


async def programme(info: Info, programme_id: uuid.UUID | None) -> Programme | None:
    if programme_id is None:
        return None
    return await network_resolvers.programme_by_id(info, programme_id)


async def audit_entries(
    info: Info,
    filter: types.AuditFilter | None,
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[types.AuditEntry]:
    scope = info.context.viewer.scope
    # Only head office reads the trail; an empty scope gives anyone else an empty list.
    visible = scope if scope.role is Role.HEAD_OFFICE else Scope(frozenset(), role=scope.role)
    return await root_connection(
        info,
        listing=db_operations.AUDIT,
        filter=filter.to_db() if filter else None,
        to_node=types.AuditEntry.from_row,
        first=first,
        after=after,
        last=last,
        before=before,
        scope=visible,
    )
