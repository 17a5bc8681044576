"""Shared resolver plumbing: turning loader pages and listings into Relay connections."""

import uuid
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

from db.pagination import Listing, Page
from db.scope import Scope

from ..context import Info
from ..dataloaders.base import CountKey, PageKey
from ..schema.relay import Connection, connection, page_args

NodeT = TypeVar("NodeT")


async def child_connection(
    info: Info,
    *,
    pages: DataLoader[PageKey, Page],
    counts: DataLoader[CountKey, int],
    parent_id: uuid.UUID,
    filter: Hashable,
    to_node: Callable[[Mapping[Any, Any]], NodeT],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[NodeT]:
    """A nested list: batched across all parents of the same level by the loaders."""
    args = page_args(info, first, after, last, before)
    page = await pages.load(PageKey(parent_id, filter, args))
    return connection(page, to_node, lambda: counts.load(CountKey(parent_id, filter)))


async def root_connection(
    info: Info,
    *,
    listing: Listing[Any],
    filter: Any,
    to_node: Callable[[Mapping[Any, Any]], NodeT],
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    scope: Scope | None = None,
) -> Connection[NodeT]:
    """A top-level list: one statement for the page, one more only if totalCount is asked."""
    args = page_args(info, first, after, last, before)
    ctx = info.context
    visible = ctx.viewer.scope if scope is None else scope
    async with ctx.db.read() as session:
        page = await listing.page(session, visible, filter, args)

    async def count_all() -> int:
        async with ctx.db.read() as session:
            return await listing.count(session, visible, filter)

    return connection(page, to_node, count_all)
