"""STUB: to be replaced by the savings domain."""

from typing import Any


async def programme_savings_accounts(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError
