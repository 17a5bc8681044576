"""Federation entities: the keys the types declare (`@key` on their decorators) and one path
that resolves a gateway's reference to any of them, through the request's loaders and in the
viewer's scope, as `node(id:)` and `programme(code:)` do. A reference the viewer may not see
(or that does not exist) is null; personal fields are guarded by privacy.protect as anywhere
else; N references of one type cost one statement for that type."""

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from strawberry import relay
from strawberry.federation.schema_directives import Key

from domain.money import CURRENCIES

from ..context import Info
from ..errors import PublicError
from .money import Currency
from .network import Country, Programme
from .relay import RowNode, parse_node_id


class InvalidReference(PublicError):
    def __init__(self, index: int, message: str) -> None:
        super().__init__(f"Invalid `representations[{index}]`: {message}")


def keys_of(cls: type) -> tuple[str, ...]:
    """The `fields` of each `@key` a type declares, e.g. ("code", "id") for Programme."""
    definition = getattr(cls, "__strawberry_definition__", None)
    directives = getattr(definition, "directives", None) or ()
    return tuple(d.fields for d in directives if isinstance(d, Key))


async def _programme(info: Info, code: str) -> Programme | None:
    row = await info.context.loaders.network.programme_by_code.load(code)
    return Programme.from_row(row) if row is not None else None


async def _country(info: Info, code: str) -> Country | None:
    # Reference data, as on every programme: any country of the table.
    row = await info.context.loaders.network.country_by_code.load(code)
    return Country(code=row["code"], name=row["name"]) if row is not None else None


async def _currency(info: Info, code: str) -> Currency | None:
    return Currency.of(code) if code in CURRENCIES else None


BY_CODE: Mapping[type, Callable[[Info, str], Awaitable[Any]]] = {
    Programme: _programme,
    Country: _country,
    Currency: _currency,
}


async def resolve_reference(
    info: Info, cls: type, index: int, representation: Mapping[str, Any]
) -> Any:
    """The object a representation names (its `__typename` already mapped to `cls`)."""
    name = cls.__strawberry_definition__.name  # type: ignore[attr-defined]
    keys = keys_of(cls)
    if "id" in keys and "id" in representation and issubclass(cls, RowNode):
        value = representation["id"]
        try:
            global_id = relay.GlobalID.from_id(value) if isinstance(value, str) else None
        except ValueError:
            global_id = None
        if (
            global_id is None
            or global_id.type_name != name
            or parse_node_id(global_id.node_id) is None
        ):
            raise InvalidReference(index, f"`id` must be a {name} ID of this API, got {value!r}.")
        found = await cls.resolve_nodes(info=info, node_ids=[global_id.node_id])
        return found[0]
    resolve = BY_CODE.get(cls)
    code = representation.get("code")
    if "code" in keys and resolve is not None and isinstance(code, str):
        return await resolve(info, code)
    wanted = " or ".join(f"`{key}`" for key in keys)
    raise InvalidReference(index, f"a {name} is referenced by {wanted}.")
