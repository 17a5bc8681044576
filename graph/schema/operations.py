"""The audit trail of writes, for head office."""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from db import operations as db_operations
from db.scope import Scope
from domain.enums import Role

from ..context import Info
from ..errors import InvalidArgument
from .fields import listing_connection, parent
from .relay import Connection, RowNode, as_tuple, page_args, parse_node_id

if TYPE_CHECKING:
    from .network import Programme

_network = "graph.schema.network"


@strawberry.federation.type(
    keys=["id"], description="One write: who made it, when, through which idempotency key."
)
class AuditEntry(RowNode):
    id: relay.NodeID[uuid.UUID]
    actor: str = strawberry.field(description="The credential's subject who wrote.")
    role: str = strawberry.field(description="The role it wrote as.")
    operation: str = strawberry.field(description="The mutation, e.g. repaymentRecord.")
    entity_type: str = strawberry.field(description="The kind of object written, e.g. Loan.")
    idempotency_key: str | None = strawberry.field(description="The client's key, if it sent one.")
    details: JSON = strawberry.field(description="What was written, in brief.")
    at: datetime = strawberry.field(description="When the write was committed.")
    programme_id: strawberry.Private[uuid.UUID | None]
    entity_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="The global ID of the object written (see `node`).")
    def entity(self) -> relay.GlobalID | None:
        if self.entity_id is None:
            return None
        return relay.GlobalID(self.entity_type, str(self.entity_id))

    listing = db_operations.AUDIT

    @classmethod
    def loader(cls, info: Info) -> DataLoader[uuid.UUID, Any]:
        return info.context.loaders.operations.audit_entry_by_id

    programme = parent(
        Annotated["Programme", strawberry.lazy(_network)] | None,
        "programme_id",
        description="The programme written to; null for network-level writes.",
    )


def _key(gid: relay.GlobalID) -> uuid.UUID:
    key = parse_node_id(gid.node_id)
    if key is None:
        raise InvalidArgument("filter.entities", f"{gid} is not an ID of this API")
    return key


@strawberry.input(description="Narrows the audit trail. Omitted fields do not filter.")
class AuditFilter:
    programmes: list[str] | None = strawberry.field(default=None, description="Programme codes.")
    actors: list[str] | None = strawberry.field(default=None, description="Credential subjects.")
    operations: list[str] | None = strawberry.field(default=None, description="Mutation names.")
    entities: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Global IDs of the objects written."
    )

    def to_db(self) -> db_operations.AuditFilter:
        return db_operations.AuditFilter(
            programme_codes=as_tuple(self.programmes),
            entity_ids=as_tuple([_key(gid) for gid in self.entities] if self.entities else None),
            actors=as_tuple(self.actors),
            operations=as_tuple(self.operations),
        )


@strawberry.type
class OperationsQuery:
    @strawberry.field(
        description="Every write, newest last, for head office (other roles see an empty list)."
    )
    async def audit_entries(
        self,
        info: Info,
        filter: AuditFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AuditEntry]:
        scope = info.context.viewer.scope
        # Only head office reads the trail; an empty scope gives anyone else an empty list.
        visible = scope if scope.role is Role.HEAD_OFFICE else Scope(frozenset(), role=scope.role)
        db_filter = filter.to_db() if filter else None
        args = page_args(info, first, after, last, before)
        return await listing_connection(
            info, AuditEntry.listing, db_filter, AuditEntry.from_row, args, scope=visible
        )
