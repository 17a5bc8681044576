"""STUB: to be replaced by the loans domain."""

from dataclasses import dataclass

from db.engine import Database
from db.scope import Scope


@dataclass(frozen=True, slots=True)
class LoanLoaders:
    pass


def build(db: Database, scope: Scope) -> LoanLoaders:
    return LoanLoaders()
