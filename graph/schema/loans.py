"""STUB: to be replaced by the loans domain."""

import uuid
from typing import Any

import strawberry
from strawberry import relay


@strawberry.type(description="stub")
class LoanProduct(relay.Node):
    id: relay.NodeID[uuid.UUID]


@strawberry.type(description="stub")
class Loan(relay.Node):
    id: relay.NodeID[uuid.UUID]


@strawberry.input(description="stub")
class LoanFilter:
    codes: list[str] | None = None

    def to_db(self) -> Any:
        return None


@strawberry.type
class LoanQuery:
    @strawberry.field(description="stub")
    def loans_stub(self) -> int:
        return 0
