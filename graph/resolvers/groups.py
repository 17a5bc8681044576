"""STUB: to be replaced by the groups domain."""

from typing import Any


async def programme_facilitators(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError


programme_groups = programme_members = programme_training_sessions = programme_facilitators
