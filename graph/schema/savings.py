"""STUB: to be replaced by the savings domain."""

import uuid
from typing import Any

import strawberry
from strawberry import relay


@strawberry.type(description="stub")
class SavingsAccount(relay.Node):
    id: relay.NodeID[uuid.UUID]


@strawberry.input(description="stub")
class SavingsAccountFilter:
    codes: list[str] | None = None

    def to_db(self) -> Any:
        return None


@strawberry.type
class SavingsQuery:
    @strawberry.field(description="stub")
    def savings_stub(self) -> int:
        return 0
