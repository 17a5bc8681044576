"""STUB: to be replaced by the missions domain."""

import uuid
from typing import Any

import strawberry
from strawberry import relay


@strawberry.type(description="stub")
class Expert(relay.Node):
    id: relay.NodeID[uuid.UUID]


@strawberry.type(description="stub")
class Mission(relay.Node):
    id: relay.NodeID[uuid.UUID]


@strawberry.input(description="stub")
class MissionFilter:
    codes: list[str] | None = None

    def to_db(self) -> Any:
        return None


@strawberry.type
class MissionQuery:
    @strawberry.field(description="stub")
    def missions_stub(self) -> int:
        return 0
