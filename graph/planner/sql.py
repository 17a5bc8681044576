"""SQL expressions that serialise values exactly as the resolver path does: global IDs, Relay
cursors, decimals, money with its currency's minor units, instants, and JSON objects."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Text,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSON

from domain.money import CURRENCIES

# json_build_object takes at most 100 arguments: 50 keys.
MAX_KEYS = 50


def json_object(pairs: Sequence[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
    args: list[Any] = []
    for key, value in pairs:
        args += [literal(key, Text), value]
    return type_coerce(func.json_build_object(*args), JSON)


def base64(value: ColumnElement[Any]) -> ColumnElement[str]:
    # PostgreSQL wraps base64 at 76 characters; Python's b64encode does not.
    return func.translate(func.encode(value, "base64"), literal("\n"), literal(""))


def global_id(type_name: str, key: ColumnElement[Any]) -> ColumnElement[str]:
    """strawberry's GlobalID: base64 of `Type:uuid`."""
    return base64(func.convert_to(literal(f"{type_name}:") + cast(key, Text), "UTF8"))


def cursor(key: ColumnElement[Any]) -> ColumnElement[str]:
    """graph.schema.relay.encode_cursor: urlsafe base64 of b"cursor:" + the UUID's bytes."""
    raw = literal_column("'cursor:'::bytea").op("||")(func.uuid_send(key))
    return func.translate(base64(raw), literal("+/"), literal("-_"))


def plain_decimal(value: ColumnElement[Any]) -> ColumnElement[str]:
    """graph.schema.money.plain: no trailing zeros, no exponent."""
    return cast(func.trim_scale(value), Text)


def decimal_text(value: ColumnElement[Any]) -> ColumnElement[str]:
    return cast(value, Text)


def instant(value: ColumnElement[Any]) -> ColumnElement[str]:
    """datetime.isoformat() of an aware UTC datetime: microseconds only when not zero."""
    utc = value.op("AT TIME ZONE")(literal("UTC"))
    seconds = func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS')
    micros = case(
        (func.to_char(utc, "US") == "000000", literal("")), else_=func.to_char(utc, ".US")
    )
    return case((value.is_(None), null()), else_=seconds + micros + literal("+00:00"))


def _by_currency(code: ColumnElement[Any], values: dict[str, Any], type_: Any) -> Any:
    whens = [(code == c, literal(v, type_)) for c, v in values.items()]
    return case(*whens, else_=null())


def minor_units(code: ColumnElement[Any]) -> ColumnElement[int]:
    from sqlalchemy import Integer

    return _by_currency(code, {c: units for c, (_, units) in CURRENCIES.items()}, Integer)  # type: ignore[no-any-return]


def currency_name(code: ColumnElement[Any]) -> ColumnElement[str]:
    return _by_currency(code, {c: name for c, (name, _) in CURRENCIES.items()}, Text)  # type: ignore[no-any-return]


def money_amount(amount: ColumnElement[Any], code: ColumnElement[Any]) -> ColumnElement[str]:
    """Money.of: the amount at exactly the currency's minor units."""
    return cast(func.round(amount, minor_units(code)), Text)


def trimmed(code: ColumnElement[Any]) -> ColumnElement[str]:
    return func.btrim(cast(code, Text))
