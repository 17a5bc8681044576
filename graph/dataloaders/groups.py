"""STUB: to be replaced by the groups domain."""

from dataclasses import dataclass

from db.engine import Database
from db.scope import Scope


@dataclass(frozen=True, slots=True)
class GroupLoaders:
    pass


def build(db: Database, scope: Scope) -> GroupLoaders:
    return GroupLoaders()
