"""STUB: to be replaced by the missions domain."""

from typing import Any


async def programme_missions(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError


programme_experts = programme_missions
