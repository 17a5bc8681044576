"""Relay building blocks: connections with totalCount, cursors, page arguments, row nodes."""

import base64
import binascii
import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import cache
from typing import Any, ClassVar, Generic, Self, TypeVar

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from db.pagination import Listing, Page, PageArgs

from ..context import Info
from ..errors import InvalidArgument
from .money import Money, plain

NodeT = TypeVar("NodeT")
_CURSOR_PREFIX = b"cursor:"


def encode_cursor(key: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(_CURSOR_PREFIX + key.bytes).decode()


def decode_cursor(cursor: str, argument: str) -> uuid.UUID:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if not raw.startswith(_CURSOR_PREFIX) or len(raw) != len(_CURSOR_PREFIX) + 16:
        raise InvalidArgument(argument, "not a cursor returned by this API")
    return uuid.UUID(bytes=raw[len(_CURSOR_PREFIX) :])


def page_args(
    info: Info,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> PageArgs:
    """Validate Relay pagination arguments against the configured page sizes."""
    settings = info.context.settings
    if first is not None and last is not None:
        raise InvalidArgument("last", "pass either `first` or `last`, not both")
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= settings.max_page_size:
            raise InvalidArgument(name, f"must be between 0 and {settings.max_page_size}")
    if first is None and last is None:
        first = settings.default_page_size
    return PageArgs(
        first=first,
        after=decode_cursor(after, "after") if after is not None else None,
        last=last,
        before=decode_cursor(before, "before") if before is not None else None,
    )


@strawberry.type(description="One item of a page, with the cursor that points at it.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Pass as `after` or `before` to page from here.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list that can grow, with Relay cursors.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page with cursors.")
    nodes: list[NodeT] = strawberry.field(description="The items of this page, without cursors.")
    page_info: relay.PageInfo = strawberry.field(description="Where this page sits in the list.")
    count_all: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many items the whole list has (all pages, same filter).")
    async def total_count(self) -> int:
        return await self.count_all()


def connection(
    page: Page,
    to_node: Callable[[Mapping[Any, Any]], NodeT],
    count_all: Callable[[], Awaitable[int]],
) -> Connection[NodeT]:
    nodes = [to_node(row) for row in page.rows]
    edges = [
        Edge(cursor=encode_cursor(row["id"]), node=n)
        for row, n in zip(page.rows, nodes, strict=True)
    ]
    return Connection(
        edges=edges,
        nodes=nodes,
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count_all=count_all,
    )


def as_tuple(values: list[Any] | None) -> tuple[Any, ...] | None:
    """Filters hold tuples (hashable loader keys); None means the field did not filter."""
    return tuple(values) if values is not None else None


def node_keys(
    ids: list[relay.GlobalID] | None, type_name: str, argument: str
) -> tuple[uuid.UUID, ...] | None:
    """The keys behind global IDs of one type; another type's ID is the client's mistake."""
    if ids is None:
        return None
    found = []
    for global_id in ids:
        node_id = parse_node_id(global_id.node_id)
        if global_id.type_name != type_name or node_id is None:
            raise InvalidArgument(argument, f"expects {type_name} IDs, got {global_id}")
        found.append(node_id)
    return tuple(found)


def parse_node_id(node_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(node_id)
    except ValueError:
        return None


class RowNode(relay.Node):
    """A node built from a database row: its plain fields are the row's columns.

    `listing` is the db/ listing its rows come from, which applies the viewer's scope (out of
    scope reads as null); `money` maps a Money field to the column holding its currency;
    `plain` names the decimals shown without trailing zeros.
    """

    listing: ClassVar[Listing[Any]]
    money: ClassVar[Mapping[str, str]] = {}
    # Decimal fields shown without trailing zeros (rates, percents), see money.plain.
    plain: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def loader(cls, info: Info) -> DataLoader[uuid.UUID, Any]:
        return info.context.loaders.rows(cls.listing)

    @classmethod
    @cache
    def _columns(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cls) if f.init)

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Self:
        values = {name: row[name] for name in cls._columns() if name in row}
        for name, currency_column in cls.money.items():
            values[name] = Money.of(row[name], row[currency_column])
        for name in cls.plain:
            values[name] = plain(values[name])
        return cls(**values)

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        ids = [parse_node_id(node_id) for node_id in node_ids]
        rows = await cls.loader(info).load_many([i for i in ids if i is not None])
        found = {row["id"]: row for row in rows if row is not None}
        return [cls.from_row(found[i]) if i in found else None for i in ids]
