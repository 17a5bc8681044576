"""What a viewer may see and do, as the data layer enforces it on every query and write."""

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, true

from domain.enums import Role
from domain.errors import ErrorCode, RuleViolation


@dataclass(frozen=True, slots=True)
class Scope:
    """The programmes a viewer may read (None: the whole network), and what it may do."""

    programme_ids: frozenset[uuid.UUID] | None = None
    role: Role = Role.HEAD_OFFICE
    read_only: bool = False
    expert_id: uuid.UUID | None = None
    # Programmes whose operations are written in their own database and replicated here,
    # each with the message saying where to write them (db.replication.written_elsewhere).
    elsewhere: frozenset[tuple[uuid.UUID, str]] = frozenset()

    @classmethod
    def network(cls) -> "Scope":
        return cls(None)

    @classmethod
    def programmes(
        cls, ids: "frozenset[uuid.UUID] | set[uuid.UUID]", role: Role = Role.PROGRAMME_STAFF
    ) -> "Scope":
        return cls(frozenset(ids), role=role)

    def allows(self, programme_id: uuid.UUID) -> bool:
        return self.programme_ids is None or programme_id in self.programme_ids

    def may_operate(self, programme_id: uuid.UUID) -> bool:
        """Field operations (groups, members, loans, savings) are the programme staff's."""
        return (
            self.role is Role.PROGRAMME_STAFF and not self.read_only and self.allows(programme_id)
        )

    def operates(self, column: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
        """`may_operate` as SQL, for a programme_id column."""
        if self.role is not Role.PROGRAMME_STAFF or self.read_only:
            return false()
        return self.where(column)

    def require_operator(self, programme_id: uuid.UUID) -> None:
        for replicated_id, where_to_write in self.elsewhere:
            if replicated_id == programme_id:
                raise RuleViolation((), ErrorCode.NOT_ALLOWED, where_to_write)
        if not self.may_operate(programme_id):
            raise RuleViolation(
                (), ErrorCode.NOT_ALLOWED, "Only the programme's staff record its field operations."
            )

    def where(self, column: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
        """The condition restricting a programme_id column to this scope."""
        if self.programme_ids is None:
            return true()
        if not self.programme_ids:
            return false()
        return column.in_(sorted(self.programme_ids))
