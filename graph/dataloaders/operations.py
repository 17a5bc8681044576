import uuid
from dataclasses import dataclass

from sqlalchemy.engine import RowMapping
from strawberry.dataloader import DataLoader

from db import operations
from db.engine import Database
from db.scope import Scope
from domain.enums import Role

from .base import rows_by_id


@dataclass(frozen=True, slots=True)
class OperationsLoaders:
    audit_entry_by_id: DataLoader[uuid.UUID, RowMapping | None]


def build(db: Database, scope: Scope) -> OperationsLoaders:
    visible = scope if scope.role is Role.HEAD_OFFICE else Scope(frozenset(), role=scope.role)
    return OperationsLoaders(audit_entry_by_id=rows_by_id(db, visible, operations.AUDIT))
