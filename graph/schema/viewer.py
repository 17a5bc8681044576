"""`viewer`: who the request's credential is, so a front end adapts without decoding it."""

import uuid
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import select

from db.network import programmes as programmes_table
from domain.enums import Role

from ..context import Info

if TYPE_CHECKING:
    from .missions import Expert
    from .network import Programme

strawberry.enum(
    Role,
    description="What a credential's holder does: HEAD_OFFICE reads the network (or the "
    "programmes its token names); EXPERT, the programmes she supports; PROGRAMME_STAFF "
    "records its programmes' field operations; INTEGRATOR reads its programmes.",
)

_network = "graph.schema.network"
_missions = "graph.schema.missions"


@strawberry.type(name="Viewer", description="Who is asking: the request's credential.")
class ViewerInfo:
    subject: str = strawberry.field(
        description="Who holds the credential (the audit trail's actor); an expert's email."
    )
    role: Role = strawberry.field(description="What the holder does.")
    whole_network: bool = strawberry.field(
        description="True when the credential reads every programme of the network."
    )
    read_only: bool = strawberry.field(description="True when the credential may write nothing.")
    programme_ids: strawberry.Private[frozenset[uuid.UUID] | None]
    expert_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(
        description="The programmes the credential reads, by code (all of them for a "
        "whole-network viewer)."
    )
    async def programmes(
        self, info: Info
    ) -> list[Annotated["Programme", strawberry.lazy(_network)]]:
        from .network import Programme

        ids = self.programme_ids
        if ids is None:
            async with info.context.db.read() as session:
                ids = frozenset((await session.scalars(select(programmes_table.c.id))).all())
        found = await Programme.resolve_nodes(info=info, node_ids=[str(i) for i in ids])
        return sorted((p for p in found if p is not None), key=lambda p: p.code)

    @strawberry.field(description="The expert's own record, when the viewer is an expert.")
    async def expert(self, info: Info) -> Annotated["Expert", strawberry.lazy(_missions)] | None:
        from .missions import Expert

        if self.expert_id is None:
            return None
        found = await Expert.resolve_nodes(info=info, node_ids=[str(self.expert_id)])
        return found[0] if found else None


@strawberry.type
class ViewerQuery:
    @strawberry.field(description="Who the request's credential is: subject, role, programmes.")
    def viewer(self, info: Info) -> ViewerInfo:
        viewer = info.context.viewer
        scope = viewer.scope
        return ViewerInfo(
            subject=viewer.subject,
            role=scope.role,
            whole_network=scope.programme_ids is None,
            read_only=scope.read_only,
            programme_ids=scope.programme_ids,
            expert_id=scope.expert_id,
        )
