"""STUB: to be replaced by the savings domain."""

from dataclasses import dataclass

from db.engine import Database
from db.scope import Scope


@dataclass(frozen=True, slots=True)
class SavingsLoaders:
    pass


def build(db: Database, scope: Scope) -> SavingsLoaders:
    return SavingsLoaders()
