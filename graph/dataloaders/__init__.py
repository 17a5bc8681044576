"""Per-request DataLoaders: generic ones over db/ listings (by id, pages and counts per parent,
small child lists), built on first use, and a few per domain for reads no listing covers."""

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.engine import RowMapping
from strawberry.dataloader import DataLoader

from db.engine import Database
from db.pagination import Listing, Page
from db.scope import Scope

from . import loans, missions, network, operations
from .base import CountKey, PageKey, all_by, counts_by, pages_by, rows_by_id


class Loaders:
    def __init__(self, db: Database, scope: Scope) -> None:
        self.db = db
        self.scope = scope
        self._generic: dict[tuple[Any, ...], DataLoader[Any, Any]] = {}
        self.network = network.build(db, scope)
        self.loans = loans.build(db, scope)
        self.missions = missions.build(db, scope)
        self.operations = operations.build(db, scope)

    def _get(self, key: tuple[Any, ...], build: Callable[[], DataLoader[Any, Any]]) -> Any:
        loader = self._generic.get(key)
        if loader is None:
            loader = self._generic[key] = build()
        return loader

    def rows(self, listing: Listing[Any]) -> DataLoader[uuid.UUID, RowMapping | None]:
        """Rows of a listing by id (null when absent or out of scope)."""
        return self._get(("rows", listing), lambda: rows_by_id(self.db, self.scope, listing))  # type: ignore[no-any-return]

    def pages(
        self, listing: Listing[Any], parent_col: ColumnElement[uuid.UUID]
    ) -> DataLoader[PageKey, Page]:
        key = ("pages", listing, parent_col)
        return self._get(key, lambda: pages_by(self.db, self.scope, listing, parent_col))  # type: ignore[no-any-return]

    def counts(
        self, listing: Listing[Any], parent_col: ColumnElement[uuid.UUID]
    ) -> DataLoader[CountKey, int]:
        key = ("counts", listing, parent_col)
        return self._get(key, lambda: counts_by(self.db, self.scope, listing, parent_col))  # type: ignore[no-any-return]

    def all(
        self, listing: Listing[Any], parent_col: ColumnElement[uuid.UUID]
    ) -> DataLoader[uuid.UUID, list[RowMapping]]:
        key = ("all", listing, parent_col)
        return self._get(key, lambda: all_by(self.db, self.scope, listing, parent_col))  # type: ignore[no-any-return]


def build_loaders(db: Database, scope: Scope) -> Loaders:
    return Loaders(db, scope)
