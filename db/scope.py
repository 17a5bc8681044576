"""What a viewer may see, as the data layer enforces it on every query."""

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, true


@dataclass(frozen=True, slots=True)
class Scope:
    """The programmes a viewer may read; None means the whole network (head office)."""

    programme_ids: frozenset[uuid.UUID] | None = None

    @classmethod
    def network(cls) -> "Scope":
        return cls(None)

    @classmethod
    def programmes(cls, ids: "frozenset[uuid.UUID] | set[uuid.UUID]") -> "Scope":
        return cls(frozenset(ids))

    def allows(self, programme_id: uuid.UUID) -> bool:
        return self.programme_ids is None or programme_id in self.programme_ids

    def where(self, column: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
        """The condition restricting a programme_id column to this scope."""
        if self.programme_ids is None:
            return true()
        if not self.programme_ids:
            return false()
        return column.in_(sorted(self.programme_ids))
