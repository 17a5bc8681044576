"""Who is asking: Bearer JWTs verified with the configured keys, turned into a viewer's scope.

A token carries `sub` (who: an email for an expert), `role` (domain.enums.Role) and
`programmes` (programme codes), plus `iss`, `aud`, `exp` and `iat`. The verifying keys are an
HS256 secret, a PEM public key (RS256 or ES256) or a JWKS file; see README "Security".
"""

import logging
import os
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from db import missions as db_missions
from db import network as db_network
from db.engine import Database
from db.scope import Scope
from domain.enums import Role

from .context import Viewer
from .settings import Settings

log = logging.getLogger("edm_graph")

HS256 = "HS256"
MIN_SECRET_BYTES = 32
DEV_SECRET_FILE = "dev-token-secret"
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
MAX_CLAIM_LENGTH = 320  # an email address at most
MAX_CLAIM_ITEMS = 1_000

ANONYMOUS = Viewer(subject="anonymous", scope=Scope(None, role=Role.INTEGRATOR, read_only=True))
"""Development mode only: an anonymous request reads the whole network and writes nothing.
It has an integrator's rights, not head office's: the audit trail stays head office's."""

NOBODY = Viewer(subject="nobody", scope=Scope(frozenset(), role=Role.INTEGRATOR, read_only=True))
"""A request that needs no viewer (the GraphiQL page): it can see and do nothing."""


class AuthError(Exception):
    """The credential is missing or unusable; the message is for the server's log only (the
    client reads "invalid token")."""


class ConfigurationError(Exception):
    """The keys are missing or unusable: the app refuses to start."""


@dataclass(frozen=True, slots=True)
class Claims:
    subject: str
    role: Role
    programmes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Key:
    key: Any
    algorithm: str


def _secret(settings: Settings) -> str | None:
    if settings.jwt_secret is None:
        return None
    value = settings.jwt_secret.get_secret_value()
    if len(value.encode()) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"EDM_JWT_SECRET is too short: HS256 needs at least {MIN_SECRET_BYTES} bytes"
        )
    return value


def dev_secret(data_dir: Path) -> str:
    """The development signing secret: random, created once in the data directory (0600)."""
    path = data_dir / DEV_SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def signing_secret(settings: Settings) -> str | None:
    """The HS256 secret that signs and verifies tokens: configured, else (development only,
    and only when no identity-provider key is configured) the data directory's dev secret."""
    configured = _secret(settings)
    if configured is not None or settings.production:
        return configured
    if settings.jwt_public_key_file is None and settings.jwt_jwks_file is None:
        return dev_secret(settings.data_dir)
    return None


def _public_key(path: Path) -> _Key:
    try:
        key = load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise ConfigurationError(f"EDM_JWT_PUBLIC_KEY_FILE {path}: {error}") from None
    if isinstance(key, rsa.RSAPublicKey):
        return _Key(key, "RS256")
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return _Key(key, "ES256")
    raise ConfigurationError(f"EDM_JWT_PUBLIC_KEY_FILE {path}: use an RSA or EC P-256 key")


def _jwks(path: Path) -> dict[str | None, _Key]:
    try:
        keys = jwt.PyJWKSet.from_json(path.read_text()).keys
    except (OSError, ValueError, jwt.PyJWKError, jwt.PyJWKSetError) as error:
        raise ConfigurationError(f"EDM_JWT_JWKS_FILE {path}: {error}") from None
    usable = {
        k.key_id: _Key(k.key, k.algorithm_name)
        for k in keys
        if k.public_key_use in (None, "sig") and not k.algorithm_name.startswith("HS")
    }
    if not usable:
        raise ConfigurationError(f"EDM_JWT_JWKS_FILE {path}: no signing key")
    return usable


class TokenVerifier:
    """Checks a token's signature, expiry, issuer and audience, and reads its claims."""

    def __init__(self, settings: Settings) -> None:
        secret = signing_secret(settings)
        self._secret = _Key(secret, HS256) if secret is not None else None
        self._public = (
            _public_key(settings.jwt_public_key_file) if settings.jwt_public_key_file else None
        )
        self._jwks = _jwks(settings.jwt_jwks_file) if settings.jwt_jwks_file else {}
        if self._secret is None and self._public is None and not self._jwks:
            raise ConfigurationError(
                "production mode needs a key to verify tokens: set EDM_JWT_SECRET, "
                "EDM_JWT_PUBLIC_KEY_FILE or EDM_JWT_JWKS_FILE"
            )
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._leeway = settings.jwt_leeway_seconds

    def _key_for(self, header: dict[str, Any]) -> _Key:
        algorithm = header.get("alg")
        if self._secret is not None and algorithm == HS256:
            return self._secret
        if self._public is not None and algorithm == self._public.algorithm:
            return self._public
        found = self._jwks.get(header.get("kid"))
        if found is None and "kid" not in header and len(self._jwks) == 1:
            found = next(iter(self._jwks.values()))
        if found is not None and algorithm == found.algorithm:
            return found
        raise AuthError(f"no key here verifies a token signed with {algorithm!r}")

    def verify(self, token: str) -> Claims:
        try:
            key = self._key_for(jwt.get_unverified_header(token))
            payload = jwt.decode(
                token,
                key.key,
                algorithms=[key.algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError(
                f"the token is not meant for this API (audience {self._audience!r})"
            ) from None
        except jwt.InvalidIssuerError:
            raise AuthError(f"the token was not issued by {self._issuer!r}") from None
        except jwt.InvalidSignatureError:
            raise AuthError("the token's signature does not verify") from None
        except jwt.PyJWTError as error:
            raise AuthError(f"invalid token: {error}") from None
        return _claims(payload)


def _plain(value: object) -> bool:
    """A claim the database can compare: a short string with no NUL."""
    return isinstance(value, str) and 0 < len(value) <= MAX_CLAIM_LENGTH and "\x00" not in value


def _claims(payload: dict[str, Any]) -> Claims:
    try:
        role = Role(str(payload.get("role")))
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise AuthError(f"the token's `role` must be one of {names}") from None
    programmes = payload.get("programmes", [])
    if (
        not isinstance(programmes, list)
        or len(programmes) > MAX_CLAIM_ITEMS
        or not all(_plain(c) for c in programmes)
    ):
        raise AuthError("the token's `programmes` must be a list of programme codes")
    subject = payload["sub"]
    if not _plain(subject):
        raise AuthError("the token's `sub` must name who holds it")
    return Claims(subject=subject, role=role, programmes=tuple(programmes))


async def _programme_ids(db: Database, codes: Sequence[str]) -> frozenset[uuid.UUID]:
    async with db.read() as session:
        found = await db_network.programme_ids_by_code(session, codes)
    unknown = sorted(set(codes) - set(found))
    if unknown:
        raise AuthError(f"the token names unknown programme code(s) {', '.join(unknown)}")
    return frozenset(found.values())


async def viewer_for(claims: Claims, db: Database) -> Viewer:
    """The scope each role gets (README "Security"): the data layer enforces it."""
    role, codes = claims.role, claims.programmes
    if role is Role.EXPERT:
        # An expert is known by her email; she reads the programmes she supports (a token
        # listing programmes narrows that further).
        async with db.read() as session:
            expert = await db_missions.expert_by_email(session, claims.subject)
        if expert is None:
            raise AuthError(f"no expert has the email {claims.subject}")
        expert_id, supported = expert
        if codes:
            supported = supported & await _programme_ids(db, codes)
        return Viewer(claims.subject, Scope(supported, role=role, expert_id=expert_id))
    if role in (Role.PROGRAMME_STAFF, Role.INTEGRATOR) and not codes:
        raise AuthError(f"a {role.value} token names its programme(s)")
    # Head office reads the whole network unless its token narrows it to some programmes.
    programme_ids = await _programme_ids(db, codes) if codes else None
    scope = Scope(programme_ids, role=role, read_only=role is Role.INTEGRATOR)
    return Viewer(claims.subject, scope)


def mint(
    secret: str,
    *,
    role: Role,
    programmes: Sequence[str] = (),
    subject: str,
    issuer: str,
    audience: str,
    ttl_seconds: int,
    now: float | None = None,
) -> str:
    """A signed HS256 token (development, tests, small deployments without an identity provider)."""
    issued = int(time.time() if now is None else now)
    payload = {
        "sub": subject,
        "role": role.value,
        "programmes": list(programmes),
        "iss": issuer,
        "aud": audience,
        "iat": issued,
        "exp": issued + ttl_seconds,
    }
    return jwt.encode(payload, secret, algorithm=HS256)
