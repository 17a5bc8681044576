"""STUB: to be replaced by the missions domain."""

from dataclasses import dataclass

from db.engine import Database
from db.scope import Scope


@dataclass(frozen=True, slots=True)
class MissionLoaders:
    pass


def build(db: Database, scope: Scope) -> MissionLoaders:
    return MissionLoaders()
