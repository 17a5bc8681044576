import uuid
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date

from strawberry.dataloader import DataLoader

from db import missions
from db.engine import Database
from db.pagination import Page, PageArgs
from db.scope import Scope
from domain.indicators import ProgrammeFigures

from . import indicators
from .base import PageKey


@dataclass(frozen=True, slots=True)
class MissionLoaders:
    """What no listing covers: a programme's missions in time order, and its portfolio on a
    mission's day (Programme.supportHistory)."""

    support_history_page_by_programme: DataLoader[PageKey, Page]
    portfolio_as_of: DataLoader[tuple[uuid.UUID, date], ProgrammeFigures | None]


def _support_history_pages(db: Database, scope: Scope) -> DataLoader[PageKey, Page]:
    async def load(keys: Sequence[PageKey]) -> list[Page]:
        batches: defaultdict[tuple[Hashable, PageArgs], list[uuid.UUID]] = defaultdict(list)
        for key in keys:
            batches[key.filter, key.args].append(key.parent_id)
        pages: dict[PageKey, Page] = {}
        async with db.read() as session:
            for (filter, args), parent_ids in batches.items():
                assert filter is None or isinstance(filter, missions.MissionFilter)
                found = await missions.support_history_pages(
                    session, scope, filter, parent_ids, args
                )
                pages.update({PageKey(p, filter, args): page for p, page in found.items()})
        return [pages[key] for key in keys]

    return DataLoader(load_fn=load)


def _portfolio_as_of(
    db: Database, scope: Scope
) -> DataLoader[tuple[uuid.UUID, date], ProgrammeFigures | None]:
    """The indicators' portfolio on a day: the same figures as `indicators(asOf:)`."""

    async def load(keys: Sequence[tuple[uuid.UUID, date]]) -> list[ProgrammeFigures | None]:
        found = await indicators.portfolios(db, scope, keys, date.today())
        return [found.get(key) for key in keys]

    return DataLoader(load_fn=load)


def build(db: Database, scope: Scope) -> MissionLoaders:
    return MissionLoaders(
        support_history_page_by_programme=_support_history_pages(db, scope),
        portfolio_as_of=_portfolio_as_of(db, scope),
    )
