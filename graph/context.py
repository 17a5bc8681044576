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
    """Who is asking: `subject` names the actor in the audit trail and owns idempotency keys."""

    subject: str
    scope: Scope


@dataclass(slots=True)
class Context:
    request: Request
    settings: Settings
    db: Database
    viewer: Viewer
    # Built on first use: a planned read never touches them.
    _loaders: "Loaders | None" = None

    @property
    def loaders(self) -> "Loaders":
        if self._loaders is None:
            from .dataloaders import build_loaders

            self._loaders = build_loaders(self.db, self.viewer.scope)
        return self._loaders

    def refresh_loaders(self) -> None:
        """After a write: later reads in the request must not see cached rows from before."""
        self._loaders = None


Info: TypeAlias = strawberry.Info[Context, None]
