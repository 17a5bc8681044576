"""Declared fields: what a field *is* (a parent by key, a child connection, a small child list),
written once on its type. Each declaration is data the planner reads (`declaration(field)`) and
a resolver the fallback path runs through the request's generic loaders.

The Relay arguments (`first/after/last/before`) and the filter are added here, once.
"""

import inspect
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, get_args, get_origin

import strawberry
from sqlalchemy import ColumnElement
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.field import StrawberryField
from strawberry.types.lazy_type import LazyType

from db.pagination import Listing, PageArgs
from db.scope import Scope

from ..context import Info
from ..dataloaders.base import CountKey, PageKey
from .relay import Connection, RowNode, connection, page_args

DECLARATION = "edm-declaration"


@dataclass(frozen=True, slots=True)
class Parent:
    """The row another row points at: `key` is the attribute holding its id."""

    key: str


@dataclass(frozen=True, slots=True)
class Children:
    """A connection of rows whose `parent_col` equals this row's id, through `listing` (the
    node type's own listing when None); `filter` is the GraphQL filter input, if any."""

    parent_col: ColumnElement[uuid.UUID]
    listing: Listing[Any] | None
    filter: Any


@dataclass(frozen=True, slots=True)
class ChildList:
    """Every row whose `parent_col` equals this row's id: for small closed lists."""

    parent_col: ColumnElement[uuid.UUID]
    listing: Listing[Any] | None


@dataclass(frozen=True, slots=True)
class Count:
    """How many rows of `listing` have `parent_col` equal to this row's id."""

    listing: Listing[Any]
    parent_col: ColumnElement[uuid.UUID]


@dataclass(frozen=True, slots=True)
class Roots:
    """A top-level connection of the node type's listing in the viewer's scope."""

    filter: Any


Declaration = Parent | Children | ChildList | Count | Roots


def declaration(field: StrawberryField) -> Declaration | None:
    found = field.metadata.get(DECLARATION) if field.metadata else None
    return found if isinstance(found, Parent | Children | ChildList | Count | Roots) else None


def _unwrap(field_type: Any) -> Any:
    """The named type behind lazy references, Optional and List wrappers."""
    while True:
        if isinstance(field_type, LazyType):
            field_type = field_type.resolve_type()
        elif isinstance(field_type, StrawberryOptional | StrawberryList):
            field_type = field_type.of_type
        else:
            return field_type


# Fields live as long as the schema's classes, for the whole process.
_node_classes: dict[int, Any] = {}


def node_class(field: StrawberryField) -> Any:
    """The row type (a RowNode, or a plain type with `listing` and `from_row`) a parent, list
    or connection field returns, resolved once and cached on the field."""
    cached = _node_classes.get(id(field))
    if cached is not None:
        return cached
    found = _unwrap(field.type)
    if get_origin(found) is Connection:
        found = _unwrap(get_args(found)[0])
    else:
        # A specialised generic: strawberry keeps the type argument in type_var_map.
        definition = getattr(found, "__strawberry_definition__", None)
        bound = getattr(definition, "type_var_map", None) or {}
        if "NodeT" in bound:
            found = _unwrap(bound["NodeT"])
    if not (isinstance(found, type) and hasattr(found, "listing") and hasattr(found, "from_row")):
        raise TypeError(f"{field.python_name} must return a type with a listing, not {found!r}")
    _node_classes[id(field)] = found
    return found


def _declared(
    graphql_type: Any, description: str, declared: Declaration, resolver: Callable[..., Any]
) -> Any:
    # The type is passed rather than annotated so that declared fields keep their place among
    # the type's methods (strawberry lists annotated fields first).
    return strawberry.field(
        resolver=resolver,
        graphql_type=graphql_type,
        description=description,
        metadata={DECLARATION: declared},
    )


def parent(of: Any, key: str, *, description: str) -> Any:
    """The row `key` points at; null when the key is null or the row is out of scope."""
    declared = Parent(key)

    async def resolve(root: Any, info: Info) -> Any:
        node_id = getattr(root, key)
        if node_id is None:
            return None
        cls = node_class(info._field)
        row = await info.context.loaders.rows(cls.listing).load(node_id)
        return cls.from_row(row) if row is not None else None

    return _declared(of, description, declared, resolve)


def _params(filter: Any) -> list[inspect.Parameter]:
    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [
        inspect.Parameter("root", inspect.Parameter.POSITIONAL_OR_KEYWORD),
        inspect.Parameter("info", keyword, annotation=Info),
    ]
    if filter is not None:
        params.append(inspect.Parameter("filter", keyword, default=None, annotation=filter | None))
    params += [
        inspect.Parameter(name, keyword, default=None, annotation=kind | None)
        for name, kind in (("first", int), ("after", str), ("last", int), ("before", str))
    ]
    return params


def _db_filter(filter: Any) -> Any:
    return filter.to_db() if filter is not None else None


PageLoad = Callable[[Any, Info, Any, PageArgs, type[RowNode]], Awaitable[Connection[Any]]]


def _connection(
    of: Any, description: str, declared: Declaration, filter: Any, load: PageLoad
) -> Any:
    """A connection field: the filter (when given) and the Relay arguments, once for all."""

    async def resolve(
        root: Any,
        *,
        info: Info,
        filter: Any = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Any]:
        args = page_args(info, first, after, last, before)
        return await load(root, info, _db_filter(filter), args, node_class(info._field))

    resolve.__signature__ = inspect.Signature(_params(filter))  # type: ignore[attr-defined]
    return _declared(Connection[of], description, declared, resolve)


def children(
    of: Any,
    parent_col: ColumnElement[uuid.UUID],
    *,
    description: str,
    filter: Any = None,
    listing: Listing[Any] | None = None,
) -> Any:
    """A connection of the rows under this one, batched across every parent of a level."""

    async def load(
        root: Any, info: Info, db_filter: Any, args: PageArgs, cls: type[RowNode]
    ) -> Connection[Any]:
        rows_of = listing or cls.listing
        loaders = info.context.loaders
        page = await loaders.pages(rows_of, parent_col).load(PageKey(root.id, db_filter, args))
        counts = loaders.counts(rows_of, parent_col)
        return connection(page, cls.from_row, lambda: counts.load(CountKey(root.id, db_filter)))

    return _connection(of, description, Children(parent_col, listing, filter), filter, load)


def child_list(
    of: Any,
    parent_col: ColumnElement[uuid.UUID],
    *,
    description: str,
    listing: Listing[Any] | None = None,
) -> Any:
    """Every row under this one, by key order: for small closed lists (partners, accounts)."""
    declared = ChildList(parent_col, listing)

    async def resolve(root: Any, info: Info) -> list[Any]:
        cls = node_class(info._field)
        rows = await info.context.loaders.all(listing or cls.listing, parent_col).load(root.id)
        return [cls.from_row(row) for row in rows]

    return _declared(list[of], description, declared, resolve)


def count_of(
    listing: Listing[Any], parent_col: ColumnElement[uuid.UUID], *, description: str
) -> Any:
    """The number of rows under this one (a group's members, a session's attendees)."""

    async def resolve(root: Any, info: Info) -> int:
        counts = info.context.loaders.counts(listing, parent_col)
        return await counts.load(CountKey(root.id, None))

    return _declared(int, description, Count(listing, parent_col), resolve)


def root_connection(of: Any, *, description: str, filter: Any = None) -> Any:
    """A top-level list of a node type, in the viewer's scope, filtered and paged."""

    async def load(
        root: Any, info: Info, db_filter: Any, args: PageArgs, cls: type[RowNode]
    ) -> Connection[Any]:
        return await listing_connection(info, cls.listing, db_filter, cls.from_row, args)

    return _connection(of, description, Roots(filter), filter, load)


async def listing_connection(
    info: Info,
    listing: Listing[Any],
    filter: Any,
    to_node: Callable[[Mapping[Any, Any]], Any],
    args: PageArgs,
    *,
    scope: Scope | None = None,
) -> Connection[Any]:
    """One statement for the page, one more only if totalCount is asked."""
    ctx = info.context
    visible = ctx.viewer.scope if scope is None else scope
    async with ctx.db.read() as session:
        page = await listing.page(session, visible, filter, args)

    async def count_all() -> int:
        async with ctx.db.read() as session:
            return await listing.count(session, visible, filter)

    return connection(page, to_node, count_all)
