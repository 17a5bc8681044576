"""Settings, read once from the environment (and a .env file) in this module only.

Every value is checked when the settings are read, before anything runs; `graph.cli` prints a
refusal as one line naming the variable (`problems`).
"""

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


def _base_dir() -> Path:
    """Where a relative EDM_DATA_DIR and the `.env` file are found, whatever the current
    directory: the source checkout (the directory of pyproject.toml) when running from one,
    else the current directory (an installed package, e.g. the Docker image's /app)."""
    checkout = Path(__file__).resolve().parent.parent
    return checkout if (checkout / "pyproject.toml").is_file() else Path.cwd()


BASE_DIR = _base_dir()
SECRETS_DIR = Path("/run/secrets")
"""Docker and Kubernetes secrets: a file named like the variable (`edm_jwt_secret`,
`database_url`) sets it, so secrets need not be in the environment."""
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")
_DRIVER = "postgresql+asyncpg"


def normalise_database_url(value: str) -> str:
    """postgres:// and postgresql:// (what people paste) become the asyncpg driver's URL."""
    try:
        url = make_url(value.strip())
    except ArgumentError:
        raise ValueError("expected a URL such as postgresql://user:password@host:5432/db") from None
    if url.drivername in ("postgres", "postgresql", _DRIVER):
        url = url.set(drivername=_DRIVER)
    else:
        raise ValueError(
            f"expected a postgresql:// URL (the asyncpg driver), not {url.drivername}://"
        )
    if not url.database:
        raise ValueError("expected a database name at the end: postgresql://…/db")
    return url.render_as_string(hide_password=False)


class Mode(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    JSON = "json"
    CONSOLE = "console"


class Settings(BaseSettings):
    """Every setting is read from `EDM_<NAME>` (upper case), e.g. `EDM_MAX_QUERY_DEPTH=12`."""

    model_config = SettingsConfigDict(
        env_prefix="EDM_",
        env_file=BASE_DIR / ".env",
        extra="ignore",
        validate_default=True,
        secrets_dir=SECRETS_DIR if SECRETS_DIR.is_dir() else None,
    )

    database_url: str | None = Field(
        default=None,
        validation_alias="DATABASE_URL",
        description="postgresql+asyncpg://user:password@host:port/db; unset: embedded PostgreSQL",
    )
    mode: Mode = Mode.DEVELOPMENT
    data_dir: Path = Field(
        default=Path(".pgdata"),
        description="Embedded PostgreSQL and dev token secret; relative: to BASE_DIR.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    pool_size: int = Field(default=10, ge=1, le=1000)
    graphiql: bool | None = None
    introspection: bool | None = None
    log_level: str = "info"
    planner: bool = Field(
        default=True,
        description="Answer plannable queries with SQL that builds the JSON (graph/planner); "
        "false: every field through its resolver.",
    )
    planner_check: bool = Field(
        default=False,
        description="Tests only: also run each planned query on the resolver path and keep any "
        "difference (app.state.planner_differences).",
    )
    heartbeat_seconds: float = Field(
        default=30,
        gt=0,
        description="How often a programme published from here stamps its heartbeat, which "
        "head office reads as the programme's dataAsOf.",
    )

    demo_data: bool | None = Field(
        default=None,
        description="`serve` loads demo data into an empty database; default: development only.",
    )

    # Database faults are bounded (README "Operations"), in seconds.
    db_connect_timeout: float = Field(default=5.0, gt=0, le=300)
    db_pool_timeout: float = Field(
        default=20.0,
        gt=0,
        le=300,
        # Long enough for a burst of writes queued on one row lock to drain, short enough
        # that requests stop waiting on a pool stuck behind a frozen server.
        description="Wait for a free pooled connection.",
    )
    statement_timeout: float = Field(
        default=15.0, ge=0, le=86_400, description="Per statement while serving; 0: none."
    )
    maintenance_statement_timeout: float = Field(
        default=3_600.0,
        ge=0,
        le=604_800,
        description="Per statement for migrate, seed and the indicators refresh; 0: none.",
    )
    shutdown_timeout: float = Field(
        default=20.0, gt=0, le=3_600, description="Graceful shutdown: in-flight requests' time."
    )
    retry_after: int = Field(
        default=5, ge=1, le=3_600, description="Retry-After seconds when the database is down."
    )

    # Credentials: Bearer JWTs. One of the three keys is required in production.
    jwt_secret: SecretStr | None = Field(
        default=None, description="HS256 shared secret (at least 32 bytes)."
    )
    jwt_public_key_file: Path | None = Field(
        default=None, description="PEM public key (RSA: RS256, EC P-256: ES256) of the issuer."
    )
    jwt_jwks_file: Path | None = Field(
        default=None, description="JSON Web Key Set of the identity provider (keys chosen by kid)."
    )
    jwt_issuer: str = Field(default="edm-graph", description="Required `iss` claim.")
    jwt_audience: str = Field(default="edm-graph", description="Required `aud` claim.")
    jwt_leeway_seconds: int = Field(default=30, ge=0, description="Clock skew tolerated.")

    # Abuse limits (production defaults).
    default_page_size: int = Field(default=20, ge=1)
    max_page_size: int = Field(default=100, ge=1)
    max_query_depth: int = Field(default=15, ge=1)
    max_aliases: int = Field(default=50, ge=0)
    max_tokens: int = Field(default=5_000, ge=1)
    max_query_cost: int = Field(
        # GitHub's node limit: the README's nested example (50 groups, 30 members, 5 loans,
        # 20 repayments: 348,202 objects at most) passes, three pages of 100 do not.
        default=500_000,
        ge=1,
        description="Objects a request may ask for: lists multiply by their `first`/`last`.",
    )
    max_batch_operations: int = Field(
        default=10, ge=0, description="Operations in one batched request; 0 turns batching off."
    )
    max_body_bytes: int = Field(default=1_048_576, ge=1)
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API, comma separated; none by default.",
    )
    persisted_queries_file: Path | None = Field(
        default=None,
        description="JSON object {sha256 hex: document}; when set, only those documents run.",
    )
    rate_limit_per_minute: int = Field(
        default=600, ge=0, description="Sustained requests per credential; 0 turns it off."
    )
    rate_limit_burst: int = Field(default=60, ge=1, description="Requests allowed at once.")
    auth_failures_per_minute: int = Field(
        default=10, ge=0, description="Failed authentications per client address; 0: off."
    )
    auth_failures_burst: int = Field(default=20, ge=1, description="Failures allowed at once.")

    # Sizes of what a request may carry.
    max_header_bytes: int = Field(
        default=16_384, ge=1_024, description="Request line and headers, all together."
    )
    max_token_bytes: int = Field(default=8_192, ge=256, description="A Bearer token.")
    max_string_length: int = Field(
        default=1_000, ge=1, description="Characters of a String input, unless its field says."
    )
    max_text_length: int = Field(
        default=20_000, ge=1, description="Characters of a free-text input (findings, comments)."
    )
    max_idempotency_key_length: int = Field(default=200, ge=16)
    max_list_items: int = Field(default=1_000, ge=1, description="Items of a list argument.")
    min_date_year: int = Field(default=1900, ge=1, description="Earliest year of a date input.")
    # Far from 9999, where date arithmetic overflows.
    max_date_year: int = Field(default=2999, le=9000, description="Latest year of a date input.")
    # Weights in max_query_cost of work that is not a number of objects: at the default limit,
    # 3 introspections or 4 ledger computations per request.
    introspection_cost: int = Field(
        default=125_000, ge=0, description="Each __schema or __type (aliases count each)."
    )
    ledger_cost: int = Field(
        default=100_000,
        ge=0,
        description="Each figure set computed from the ledger (indicators of a chosen "
        "period; 20 months of a series, 100 entries of a support history).",
    )

    @model_validator(mode="after")
    def _bounds_in_order(self) -> "Settings":
        if self.min_date_year > self.max_date_year:
            raise ValueError("min_date_year must not be after max_date_year")
        if self.max_token_bytes > self.max_header_bytes:
            raise ValueError("max_token_bytes must fit in max_header_bytes")
        return self

    # Observability (README "Operations").
    log_format: LogFormat | None = Field(
        default=None,
        description="json (one JSON object a line) or console; default json in production.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token /metrics asks for; in production /metrics needs it or "
        "metrics_port.",
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65535,
        description="Serve /metrics on this port (same host) instead of the API's port.",
    )
    metrics_operation_names: int = Field(
        default=100,
        ge=0,
        description="Distinct operation names the metrics label; later ones count as `other`.",
    )
    otel_enabled: bool = Field(
        default=False,
        description="OpenTelemetry traces (the [otel] extra; exporter set by OTEL_* variables).",
    )
    apq_enabled: bool = Field(
        default=False,
        description="Automatic persisted queries (Apollo's protocol): documents kept by hash.",
    )
    apq_cache_size: int = Field(
        default=1_000, ge=1, description="Documents the APQ store keeps (least recently used go)."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _explicit_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if "*" in origin:
                raise ValueError(
                    "expected explicit origins such as https://dashboard.example.org, not a "
                    "wildcard (the API is called with credentials)"
                )
            if not origin.startswith(("http://", "https://")):
                raise ValueError(f"expected origins such as https://host, not {origin!r}")
        return value

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else normalise_database_url(value)

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return (BASE_DIR / value.expanduser()).resolve()

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.lower() not in LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
        return value.lower()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.default_page_size > self.max_page_size:
            raise ValueError(
                f"EDM_DEFAULT_PAGE_SIZE={self.default_page_size} is above "
                f"EDM_MAX_PAGE_SIZE={self.max_page_size}: expected at most the maximum"
            )
        return self

    @property
    def production(self) -> bool:
        return self.mode is Mode.PRODUCTION

    @property
    def demo_data_enabled(self) -> bool:
        return not self.production if self.demo_data is None else self.demo_data

    @property
    def graphiql_enabled(self) -> bool:
        return not self.production if self.graphiql is None else self.graphiql

    @property
    def log_json(self) -> bool:
        return self.production if self.log_format is None else self.log_format is LogFormat.JSON

    @property
    def introspection_enabled(self) -> bool:
        return not self.production if self.introspection is None else self.introspection


def env_name(field: str) -> str:
    """The environment variable that sets a field (`loc` names a field or its alias)."""
    for name, info in Settings.model_fields.items():
        if field in (name, info.validation_alias):
            alias = info.validation_alias
            return alias if isinstance(alias, str) else f"EDM_{name.upper()}"
    return field


def _field(loc: str) -> str:
    for name, info in Settings.model_fields.items():
        if loc == info.validation_alias:
            return name
    return loc


_SECRET_FIELDS = frozenset({"jwt_secret"})


def problems(error: ValidationError) -> list[str]:
    """One line per refused setting: the variable, the value given, what is expected."""
    lines = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        if message.startswith("Input should be "):
            message = "expected " + message.removeprefix("Input should be ")
        loc = [str(part) for part in problem["loc"]]
        if not loc:  # a rule across settings names them itself
            lines.append(message)
            continue
        field = _field(loc[0])
        given = problem.get("input")
        if field in _SECRET_FIELDS:
            shown = "(hidden)"
        elif field == "database_url" and isinstance(given, str):
            shown = _masked_url(given)
        else:
            shown = repr(given)
        lines.append(f"{env_name(field)}={shown}: {message}")
    return lines


def _masked_url(value: str) -> str:
    try:
        return repr(make_url(value).render_as_string(hide_password=True))
    except ArgumentError:
        return repr(value)
