"""STUB: to be replaced by the groups domain."""

import uuid
from typing import Any

import strawberry
from strawberry import relay


@strawberry.type(description="stub")
class Facilitator(relay.Node):
    id: relay.NodeID[uuid.UUID]


@strawberry.type(description="stub")
class Group(relay.Node):
    id: relay.NodeID[uuid.UUID]


@strawberry.type(description="stub")
class Member(relay.Node):
    id: relay.NodeID[uuid.UUID]


@strawberry.type(description="stub")
class TrainingSession(relay.Node):
    id: relay.NodeID[uuid.UUID]


@strawberry.input(description="stub")
class GroupFilter:
    codes: list[str] | None = None

    def to_db(self) -> Any:
        return None


@strawberry.input(description="stub")
class MemberFilter:
    codes: list[str] | None = None

    def to_db(self) -> Any:
        return None


@strawberry.type
class GroupQuery:
    @strawberry.field(description="stub")
    def groups_stub(self) -> int:
        return 0
