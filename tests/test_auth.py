"""Who may do what: tokens, roles and scopes, through HTTP (see README "Security")."""

import hashlib
import hmac
import json
import logging
import os
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from sqlalchemy import func, select
from strawberry.relay import to_base64

from db.engine import Database
from db.models import Group
from domain.enums import Role
from graph.app import create_app
from graph.auth import AuthError, ConfigurationError, TokenVerifier, mint
from graph.cli import main as cli
from graph.settings import Mode, Settings
from tests.conftest import TEST_SECRET, GraphQL, RunningServer, bearer, serve, token
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import missions as mf
from tests.factories import network as f

READS = """
query ($ids: [ID!]!, $codes: [String!], $other: String!) {
  nodes(ids: $ids) { id }
  programmes(filter: {codes: $codes}) { nodes { code } }
  members(filter: {programmes: $codes}) { totalCount }
  loans(filter: {programmes: $codes}) { totalCount }
  groups(filter: {programmes: $codes}) { totalCount }
  missions(filter: {programmes: $codes}) { totalCount }
  programme(code: $other) { code members { totalCount } }
}
"""

NESTED = """
query ($group: ID!) {
  node(id: $group) {
    ... on Group { facilitator { groups { nodes { members { nodes { id } } } } } }
  }
}
"""

GROUP_CREATE = """
mutation ($input: GroupCreateInput!) {
  groupCreate(input: $input) { group { id } userErrors { code field } }
}
"""


def gid(type_name: str, row: dict[str, Any]) -> str:
    return to_base64(type_name, str(row["id"]))


@dataclass
class Programme:
    row: dict[str, Any]
    facilitator: dict[str, Any]
    group: dict[str, Any]
    member: dict[str, Any]
    loan: dict[str, Any]

    @property
    def code(self) -> str:
        return str(self.row["code"])

    def ids(self) -> list[str]:
        return [
            gid("Programme", self.row),
            gid("Group", self.group),
            gid("Member", self.member),
            gid("Loan", self.loan),
        ]


@dataclass
class Network:
    own: Programme
    other: Programme
    expert: dict[str, Any]


@pytest.fixture
async def network(db: Database) -> Network:
    """Two programmes, each with a facilitator, group, member, loan and mission; one expert
    supports only the first."""
    made = []
    async with db.transaction() as s:
        for country, currency in (("SN", "XOF"), ("HT", "HTG")):
            p = await f.programme(s, country_code=country, currency_code=currency)
            fa = await g.facilitator(s, p["id"])
            group = await g.group(s, p["id"], fa["id"])
            member = await g.member(s, p["id"], group["id"])
            product = await lf.product(s, p, min_principal=1000, max_principal=100_000)
            loan = await lf.loan(s, product, member, group["id"])
            await mf.mission(s, p["id"])
            made.append(Programme(p, fa, group, member, loan))
        expert = await mf.expert(s, programmes=[made[0].row["id"]])
    return Network(own=made[0], other=made[1], expert=expert)


def as_role(net: Network, who: str) -> dict[str, Any]:
    """The gql arguments for each kind of viewer."""
    return {
        "head office": {},
        "staff": {"programmes": net.own.code},
        "integrator": {"role": "INTEGRATOR", "programmes": net.own.code},
        "expert": {"role": "EXPERT", "subject": net.expert["email"]},
        "anonymous": {"anonymous": True},
    }[who]


@pytest.mark.parametrize(
    ("who", "sees_other"),
    [
        ("head office", True),
        ("staff", False),
        ("integrator", False),
        ("expert", False),
        ("anonymous", True),
    ],
)
async def test_each_role_reads_its_programmes_by_every_path_and_no_other(
    gql: GraphQL, network: Network, who: str, sees_other: bool
) -> None:
    own, other = network.own, network.other
    variables = {
        "ids": own.ids() + other.ids(),
        "codes": [own.code, other.code],
        "other": other.code,
    }

    body = await gql(READS, variables, **as_role(network, who))

    assert "errors" not in body, body
    data = body["data"]
    seen = [n["id"] if n else None for n in data["nodes"]]
    assert seen == own.ids() + (other.ids() if sees_other else [None] * 4)
    codes = [p["code"] for p in data["programmes"]["nodes"]]
    assert codes == ([own.code, other.code] if sees_other else [own.code])
    count = 2 if sees_other else 1
    for listing in ("members", "loans", "groups", "missions"):
        assert data[listing]["totalCount"] == count, listing
    if sees_other:
        assert data["programme"] == {"code": other.code, "members": {"totalCount": 1}}
    else:
        assert data["programme"] is None


@pytest.mark.parametrize("who", ["staff", "integrator", "expert"])
async def test_nested_fields_of_another_programme_stay_out_of_reach(
    gql: GraphQL, network: Network, who: str
) -> None:
    body = await gql(NESTED, {"group": gid("Group", network.other.group)}, **as_role(network, who))

    assert body == {"data": {"node": None}}


def group_input(programme: Programme, name: str) -> dict[str, Any]:
    return {
        "facilitator": gid("Facilitator", programme.facilitator),
        "name": name,
        "meetingFrequency": "TWICE_MONTHLY",
        "meetingPlace": "Boucotte",
        "formedOn": "2026-01-15",
    }


async def groups_named(db: Database, name: str) -> int:
    async with db.read() as s:
        return int(await s.scalar(select(func.count()).where(Group.name == name)) or 0)


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("staff", None),
        ("integrator", "NOT_ALLOWED"),
        ("anonymous", "NOT_ALLOWED"),
        ("head office", "NOT_ALLOWED"),
        ("expert", "NOT_ALLOWED"),
    ],
)
async def test_only_the_programmes_staff_record_its_field_operations(
    db: Database, gql: GraphQL, network: Network, who: str, code: str | None
) -> None:
    name = f"Group by {who} {time.monotonic_ns()}"

    body = await gql(
        GROUP_CREATE, {"input": group_input(network.own, name)}, **as_role(network, who)
    )

    result = body["data"]["groupCreate"]
    if code is None:
        assert result["userErrors"] == []
        assert await groups_named(db, name) == 1
    else:
        assert result == {"group": None, "userErrors": [{"code": code, "field": None}]}
        assert await groups_named(db, name) == 0


async def test_staff_cannot_write_into_another_programme(
    db: Database, gql: GraphQL, network: Network
) -> None:
    name = f"Intruding group {time.monotonic_ns()}"

    body = await gql(
        GROUP_CREATE, {"input": group_input(network.other, name)}, programmes=network.own.code
    )

    assert body["data"]["groupCreate"]["userErrors"] == [
        {"code": "NOT_FOUND", "field": ["input", "facilitator"]}
    ]
    assert await groups_named(db, name) == 0


# Tokens: what is refused, and why (401 with a reason; nothing runs).

NETWORK = {"query": "{ network { name } }"}


def tampered(value: str) -> str:
    header, payload, signature = value.split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    claims["role"] = "HEAD_OFFICE"
    forged = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{forged}.{signature}"


def unsigned() -> str:
    payload = {"sub": "x", "role": "HEAD_OFFICE", "iss": "edm-graph", "aud": "edm-graph"}
    payload |= {"iat": int(time.time()), "exp": int(time.time()) + 60}
    return jwt.encode(payload, key=None, algorithm="none")  # type: ignore[arg-type]


# Built when the test runs: tokens made at collection time could expire before it does.
REFUSED: list[tuple[Callable[[], str], str]] = [
    (lambda: f"Bearer {token(ttl_seconds=-120)}", "expired"),
    (lambda: f"Bearer {tampered(token(Role.INTEGRATOR, 'X'))}", "signature"),
    (lambda: f"Bearer {token()[:-4]}AAAA", "signature"),
    (lambda: f"Bearer {token(audience='another-api')}", "not meant for this API"),
    (lambda: f"Bearer {token(issuer='someone-else')}", "not issued by"),
    (lambda: f"Bearer {token(secret='another-secret-of-at-least-32-bytes!!')}", "signature"),
    (lambda: f"Bearer {unsigned()}", "no key"),
    (lambda: "Bearer not-a-token", "invalid token"),
    (lambda: f"Basic {token()}", "Bearer"),
    (lambda: f"Bearer {token(Role.PROGRAMME_STAFF)}", "names its programme"),
    (lambda: f"Bearer {token(Role.INTEGRATOR, 'NOT_A_PROGRAMME')}", "NOT_A_PROGRAMME"),
    (lambda: f"Bearer {token(Role.EXPERT, subject='nobody@nowhere.org')}", "no expert"),
]


@pytest.mark.parametrize(
    ("authorization", "reason"),
    REFUSED,
    ids=[
        "expired",
        "tampered claims",
        "tampered signature",
        "wrong audience",
        "wrong issuer",
        "another secret",
        "unsigned",
        "malformed",
        "not bearer",
        "staff without programme",
        "unknown programme",
        "unknown expert",
    ],
)
async def test_an_unusable_token_is_refused_with_its_reason_in_the_log_only(
    http: httpx.AsyncClient,
    authorization: Callable[[], str],
    reason: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="edm_graph"):
        response = await http.post(
            "/graphql", json=NETWORK, headers={"authorization": authorization()}
        )

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["message"] in (
        "Not authenticated: invalid token.",
        "Not authenticated: use `Authorization: Bearer <token>`.",
    )
    assert any(reason in record.getMessage() for record in caplog.records)


async def test_a_token_with_an_unknown_role_is_refused(http: httpx.AsyncClient) -> None:
    forged = jwt.encode(
        {"sub": "x", "role": "ADMIN", "iss": "edm-graph", "aud": "edm-graph"}
        | {"iat": int(time.time()), "exp": int(time.time()) + 60},
        TEST_SECRET,
        algorithm="HS256",
    )

    response = await http.post("/graphql", json=NETWORK, headers=bearer(forged))

    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == "Not authenticated: invalid token."


# Production mode: a token or nothing.


@pytest.fixture(scope="module")
def production(database_url: str) -> Iterator[RunningServer]:
    with serve(Settings(database_url=database_url, mode=Mode.PRODUCTION)) as running:
        yield running


@pytest.mark.parametrize(
    "request_args",
    [
        {"method": "POST", "url": "/graphql", "json": NETWORK},
        {"method": "GET", "url": "/graphql", "params": NETWORK},
        {"method": "GET", "url": "/graphql", "headers": {"accept": "text/html"}},
    ],
)
def test_production_needs_a_token_for_graphql(
    production: RunningServer, request_args: dict[str, Any]
) -> None:
    with httpx.Client(base_url=production.base_url) as client:
        response = client.request(**request_args)

    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == (
        "Not authenticated: a Bearer token is required."
    )


def test_production_serves_health_and_ready_without_a_token(production: RunningServer) -> None:
    for path in ("/health", "/ready"):
        assert httpx.get(f"{production.base_url}{path}").status_code == 200


def test_production_answers_a_token(production: RunningServer) -> None:
    response = httpx.post(f"{production.base_url}/graphql", json=NETWORK, headers=bearer(token()))

    assert response.status_code == 200
    assert "errors" not in response.json()


def test_production_refuses_to_start_without_a_key(database_url: str) -> None:
    settings = Settings(database_url=database_url, mode=Mode.PRODUCTION, jwt_secret=None)

    with pytest.raises(ConfigurationError, match="EDM_JWT_SECRET"):
        create_app(settings)


def test_a_short_secret_is_refused(database_url: str) -> None:
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        create_app(Settings(database_url=database_url, jwt_secret="short"))


def test_development_start_up_warns_that_anonymous_requests_read_everything(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with serve(Settings(database_url=database_url)):
        pass

    warnings = [r.getMessage() for r in caplog.records if r.name == "edm_graph"]
    assert any("READ-ONLY demo viewer" in message for message in warnings)


# Keys of an identity provider: RS256 and ES256 public keys, a JWKS file.

CLAIMS = {"sub": "bi@partner.org", "role": "INTEGRATOR", "programmes": ["FANSOTO"]}


def signed(private_key: Any, algorithm: str, **extra: Any) -> str:
    now = int(time.time())
    payload = CLAIMS | {"iss": "idp", "aud": "edm-graph", "iat": now, "exp": now + 60}
    return jwt.encode(payload, private_key, algorithm=algorithm, headers=extra or None)


def hs256_by_hand(secret: bytes) -> str:
    """What PyJWT refuses to make: an HS256 token whose secret is a public key's PEM."""
    now = int(time.time())
    payload = CLAIMS | {"iss": "idp", "aud": "edm-graph", "iat": now, "exp": now + 60}
    parts = [
        jwt.utils.base64url_encode(json.dumps(part).encode())
        for part in ({"alg": "HS256", "typ": "JWT"}, payload)
    ]
    signature = hmac.new(secret, b".".join(parts), hashlib.sha256).digest()
    return b".".join([*parts, jwt.utils.base64url_encode(signature)]).decode()


def pem(public_key: Any, path: Path) -> Path:
    path.write_bytes(
        public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return path


def idp_settings(**keys: Any) -> Settings:
    return Settings(mode=Mode.PRODUCTION, jwt_secret=None, jwt_issuer="idp", **keys)


@pytest.mark.parametrize(
    ("private_key", "algorithm"),
    [
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"),
        (ec.generate_private_key(ec.SECP256R1()), "ES256"),
    ],
)
def test_a_public_key_verifies_its_provider_s_tokens_and_nothing_else(
    tmp_path: Path, private_key: Any, algorithm: str
) -> None:
    key_file = pem(private_key.public_key(), tmp_path / "idp.pem")
    verifier = TokenVerifier(idp_settings(jwt_public_key_file=key_file))

    claims = verifier.verify(signed(private_key, algorithm))

    assert (claims.subject, claims.role, claims.programmes) == (
        "bi@partner.org",
        Role.INTEGRATOR,
        ("FANSOTO",),
    )
    # The public key used as an HMAC secret (algorithm confusion) verifies nothing.
    with pytest.raises(AuthError, match="no key here verifies"):
        verifier.verify(hs256_by_hand(key_file.read_bytes()))


def test_a_jwks_file_picks_the_key_by_kid(tmp_path: Path) -> None:
    first = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    second = ec.generate_private_key(ec.SECP256R1())
    keys = [
        json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(first.public_key())) | {"kid": "a"},
        json.loads(jwt.algorithms.ECAlgorithm.to_jwk(second.public_key())) | {"kid": "b"},
    ]
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": keys}))
    verifier = TokenVerifier(idp_settings(jwt_jwks_file=jwks))

    assert verifier.verify(signed(first, "RS256", kid="a")).role is Role.INTEGRATOR
    assert verifier.verify(signed(second, "ES256", kid="b")).role is Role.INTEGRATOR
    with pytest.raises(AuthError, match="no key here verifies"):
        verifier.verify(signed(first, "RS256", kid="b"))


# The CLI's development tokens.


def test_the_token_command_mints_what_the_server_accepts(database_url: str) -> None:
    result = CliRunner().invoke(
        cli,
        ["token", "--role", "PROGRAMME_STAFF", "--programme", "FANSOTO", "--ttl", "30m"],
    )

    assert result.exit_code == 0, result.output
    minted = result.output.strip()
    claims = TokenVerifier(Settings()).verify(minted)
    assert (claims.subject, claims.role, claims.programmes) == (
        "programme_staff@dev",
        Role.PROGRAMME_STAFF,
        ("FANSOTO",),
    )
    lifetime = jwt.decode(minted, options={"verify_signature": False})
    assert lifetime["exp"] - lifetime["iat"] == 1800


def test_without_a_secret_development_signs_with_one_kept_in_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EDM_JWT_SECRET")
    monkeypatch.setenv("EDM_DATA_DIR", str(tmp_path))

    first = CliRunner().invoke(cli, ["token", "--role", "HEAD_OFFICE"])
    second = CliRunner().invoke(cli, ["token", "--role", "HEAD_OFFICE", "--subject", "me"])

    secret_file = tmp_path / "dev-token-secret"
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    verifier = TokenVerifier(Settings())
    assert verifier.verify(first.output.strip()).subject == "head_office@dev"
    assert verifier.verify(second.output.strip()).subject == "me"


def test_production_mints_only_with_a_configured_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDM_JWT_SECRET")
    monkeypatch.setenv("EDM_MODE", "production")

    result = CliRunner().invoke(cli, ["token", "--role", "HEAD_OFFICE"])

    assert result.exit_code != 0
    assert "EDM_JWT_SECRET" in result.output


def test_minted_tokens_carry_the_standard_claims() -> None:
    value = mint(
        TEST_SECRET,
        role=Role.EXPERT,
        subject="claire@edm.org",
        issuer="edm-graph",
        audience="edm-graph",
        ttl_seconds=60,
        now=1_700_000_000,
    )

    claims = jwt.decode(value, options={"verify_signature": False})
    assert claims == {
        "sub": "claire@edm.org",
        "role": "EXPERT",
        "programmes": [],
        "iss": "edm-graph",
        "aud": "edm-graph",
        "iat": 1_700_000_000,
        "exp": 1_700_000_060,
    }
