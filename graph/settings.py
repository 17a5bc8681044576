"""Settings, read once from the environment (and a .env file) in this module only."""

from enum import StrEnum
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EDM_", env_file=".env", extra="ignore")

    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="postgresql+asyncpg://user:password@host:port/db; unset: embedded PostgreSQL",
    )
    mode: Mode = Mode.DEVELOPMENT
    data_dir: Path = Path(".pgdata")
    host: str = "127.0.0.1"
    port: int = 8000
    pool_size: int = 10
    default_page_size: int = 20
    max_page_size: int = 100
    graphiql: bool | None = None
    introspection: bool | None = None
    log_level: str = "info"

    @property
    def production(self) -> bool:
        return self.mode is Mode.PRODUCTION

    @property
    def graphiql_enabled(self) -> bool:
        return not self.production if self.graphiql is None else self.graphiql

    @property
    def introspection_enabled(self) -> bool:
        return not self.production if self.introspection is None else self.introspection
