"""The per-request context: who is asking, the session factory and the request's loaders."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

import strawberry
from starlette.requests import Request

from db.engine import Database
from db.scope import Scope

from .settings import Settings

if TYPE_CHECKING:
    from .dataloaders import Loaders


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who is asking. Taken from a development header for now; tokens come later."""

    name: str
    scope: Scope


@dataclass(slots=True)
class Context:
    request: Request
    settings: Settings
    db: Database
    viewer: Viewer
    loaders: "Loaders"


Info: TypeAlias = strawberry.Info[Context, None]
