"""Per-request DataLoaders, grouped per domain and built by one function."""

from dataclasses import dataclass

from db.engine import Database
from db.scope import Scope

from . import groups, loans, missions, network, operations, savings


@dataclass(frozen=True, slots=True)
class Loaders:
    network: network.NetworkLoaders
    groups: groups.GroupLoaders
    loans: loans.LoanLoaders
    savings: savings.SavingsLoaders
    missions: missions.MissionLoaders
    operations: operations.OperationsLoaders


def build_loaders(db: Database, scope: Scope) -> Loaders:
    return Loaders(
        network=network.build(db, scope),
        groups=groups.build(db, scope),
        loans=loans.build(db, scope),
        savings=savings.build(db, scope),
        missions=missions.build(db, scope),
        operations=operations.build(db, scope),
    )
