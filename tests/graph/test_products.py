"""Head office manages loan products, and head office or a programme's staff its
facilitators, through the API: create, update, retire; who may; each rule's error; retries."""

import secrets
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, insert, select
from strawberry.relay import to_base64

from db.engine import Database
from db.models import AuditEntry, Facilitator, LoanProduct, LoanProductCycle, ReplicatedProgramme
from domain.enums import GroupStatus
from tests.conftest import GraphQL
from tests.factories import groups as g
from tests.factories import network as n

TODAY = date.today()


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def gid(type_name: str, key: Any) -> str:
    return to_base64(type_name, str(key))


def xof(amount: Any) -> dict[str, str]:
    return {"amount": str(amount), "currency": "XOF"}


PRODUCT = """
  product {
    id name interestMethod periodRatePercent installments installmentFrequency feePercent
    minPrincipal { amount currency { code } } maxPrincipal { amount }
    allowsConcurrentLoans active retiredOn programme { code }
    cycles { firstCycle lastCycle minPrincipal { amount } maxPrincipal { amount } }
  }
  userErrors { field message code }
  replayed
"""
CREATE = f"mutation ($input: LoanProductCreateInput!) {{ loanProductCreate(input: $input) {{ {PRODUCT} }} }}"
UPDATE = f"mutation ($input: LoanProductUpdateInput!) {{ loanProductUpdate(input: $input) {{ {PRODUCT} }} }}"
RETIRE = f"mutation ($input: LoanProductRetireInput!) {{ loanProductRetire(input: $input) {{ {PRODUCT} }} }}"

FACILITATOR = """
  facilitator { id firstName lastName phone hiredOn active retiredOn programme { code } }
  userErrors { field message code }
  replayed
"""
HIRE = f"mutation ($input: FacilitatorCreateInput!) {{ facilitatorCreate(input: $input) {{ {FACILITATOR} }} }}"
CORRECT = f"mutation ($input: FacilitatorUpdateInput!) {{ facilitatorUpdate(input: $input) {{ {FACILITATOR} }} }}"
LEAVE = f"mutation ($input: FacilitatorRetireInput!) {{ facilitatorRetire(input: $input) {{ {FACILITATOR} }} }}"

APPLY = """
mutation ($input: LoanApplyInput!) { loanApply(input: $input) { loan { id } userErrors { field code } } }
"""
GROUP_CREATE = """
mutation ($input: GroupCreateInput!) { groupCreate(input: $input) { group { id } userErrors { field code } } }
"""


@pytest.fixture
async def p(db: Database) -> dict[str, Any]:
    async with db.transaction() as s:
        programme = await n.programme(s)
        facilitator = await g.facilitator(s, programme["id"], hired_on=days_ago(900))
    return {"programme": programme, "facilitator": facilitator}


def staff_of(p: dict[str, Any]) -> dict[str, str]:
    code = p["programme"]["code"]
    return {"programmes": code, "subject": f"awa@{code.lower()}"}


async def send(gql: GraphQL, query: str, input: dict[str, Any], **viewer: Any) -> dict[str, Any]:
    body = await gql(query, {"input": input}, **viewer)
    assert "errors" not in body, body
    (payload,) = body["data"].values()
    result: dict[str, Any] = payload
    return result


def codes(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


def product_input(p: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "programme": gid("Programme", p["programme"]["id"]),
        "name": f"Premier pret {secrets.token_hex(3)}",
        "interestMethod": "FLAT",
        "periodRatePercent": "1.5",
        "installments": 10,
        "installmentFrequency": "MONTHLY",
        "minPrincipal": xof(80_000),
        "maxPrincipal": xof(450_000),
        "cycles": [
            {
                "firstCycle": 1,
                "lastCycle": 1,
                "minPrincipal": xof(100_000),
                "maxPrincipal": xof(100_000),
            },
            {"firstCycle": 2, "minPrincipal": xof(80_000), "maxPrincipal": xof(450_000)},
        ],
    }
    values.update(overrides)
    return values


async def table_rows(db: Database, programme_id: Any) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    async with db.read() as s:
        for name, model in {
            "products": LoanProduct,
            "cycles": LoanProductCycle,
            "facilitators": Facilitator,
            "audit": AuditEntry,
        }.items():
            rows = await s.execute(
                select(model.__table__).where(model.programme_id == programme_id)
            )
            found[name] = sorted(tuple(r) for r in rows)
    return found


# Products.


async def test_head_office_creates_a_product_with_its_cycle_bands(
    gql: GraphQL, p: dict[str, Any]
) -> None:
    input = product_input(p, feePercent="1")

    created = await send(gql, CREATE, input)

    assert created["userErrors"] == []
    product = created["product"]
    assert product["name"] == input["name"]
    assert (product["periodRatePercent"], product["feePercent"], product["installments"]) == (
        "1.5",
        "1",
        10,
    )
    assert product["minPrincipal"] == {"amount": "80000", "currency": {"code": "XOF"}}
    assert (product["active"], product["retiredOn"]) == (True, None)
    assert product["cycles"] == [
        {
            "firstCycle": 1,
            "lastCycle": 1,
            "minPrincipal": {"amount": "100000"},
            "maxPrincipal": {"amount": "100000"},
        },
        {
            "firstCycle": 2,
            "lastCycle": None,
            "minPrincipal": {"amount": "80000"},
            "maxPrincipal": {"amount": "450000"},
        },
    ]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"name": "  "}, (["input", "name"], "REQUIRED")),
        ({"periodRatePercent": "-1"}, (["input", "periodRatePercent"], "OUT_OF_RANGE")),
        ({"periodRatePercent": "1.00001"}, (["input", "periodRatePercent"], "TOO_MANY_DECIMALS")),
        ({"feePercent": "1.005"}, (["input", "feePercent"], "TOO_MANY_DECIMALS")),
        ({"installments": 0}, (["input", "installments"], "OUT_OF_RANGE")),
        (
            {"minPrincipal": {"amount": "80000", "currency": "EUR"}},
            (["input", "minPrincipal"], "WRONG_CURRENCY"),
        ),
        ({"maxPrincipal": xof(1_000)}, (["input", "maxPrincipal"], "OUT_OF_RANGE")),
        (
            {
                "cycles": [
                    {"firstCycle": 0, "minPrincipal": xof(90_000), "maxPrincipal": xof(90_000)}
                ]
            },
            (["input", "cycles", "0", "firstCycle"], "OUT_OF_RANGE"),
        ),
        (
            {
                "cycles": [
                    {
                        "firstCycle": 3,
                        "lastCycle": 2,
                        "minPrincipal": xof(90_000),
                        "maxPrincipal": xof(90_000),
                    }
                ]
            },
            (["input", "cycles", "0", "lastCycle"], "OUT_OF_RANGE"),
        ),
        (
            {
                "cycles": [
                    {"firstCycle": 1, "minPrincipal": xof(90_000), "maxPrincipal": xof(80_000)}
                ]
            },
            (["input", "cycles", "0", "maxPrincipal"], "OUT_OF_RANGE"),
        ),
        (
            {
                "cycles": [
                    {"firstCycle": 1, "minPrincipal": xof(90_000), "maxPrincipal": xof(900_000)}
                ]
            },
            (["input", "cycles", "0", "maxPrincipal"], "OUT_OF_RANGE"),
        ),
        (
            {
                "cycles": [
                    {
                        "firstCycle": 1,
                        "lastCycle": 3,
                        "minPrincipal": xof(90_000),
                        "maxPrincipal": xof(90_000),
                    },
                    {"firstCycle": 3, "minPrincipal": xof(90_000), "maxPrincipal": xof(90_000)},
                ]
            },
            (["input", "cycles", "1", "firstCycle"], "INVALID"),
        ),
    ],
)
async def test_a_bad_product_names_its_field_and_leaves_nothing(
    db: Database, gql: GraphQL, p: dict[str, Any], overrides: dict[str, Any], expected: Any
) -> None:
    before = await table_rows(db, p["programme"]["id"])

    refused = await send(gql, CREATE, product_input(p, **overrides))

    assert codes(refused) == [expected]
    assert refused["product"] is None
    assert await table_rows(db, p["programme"]["id"]) == before


async def test_a_product_name_is_unique_in_its_programme(gql: GraphQL, p: dict[str, Any]) -> None:
    first = await send(gql, CREATE, product_input(p))

    again = await send(gql, CREATE, product_input(p, name=first["product"]["name"]))

    assert codes(again) == [(["input", "name"], "ALREADY_EXISTS")]


async def test_only_head_office_manages_products(
    db: Database, gql: GraphQL, p: dict[str, Any]
) -> None:
    staff = await send(gql, CREATE, product_input(p), **staff_of(p))
    integrator = await send(
        gql, CREATE, product_input(p), role="INTEGRATOR", programmes=p["programme"]["code"]
    )

    assert codes(staff) == [(None, "NOT_ALLOWED")]
    assert codes(integrator) == [(None, "NOT_ALLOWED")]


async def test_an_update_changes_the_terms_given_and_replaces_the_bands(
    gql: GraphQL, p: dict[str, Any]
) -> None:
    created = await send(gql, CREATE, product_input(p))
    product = created["product"]["id"]

    updated = await send(
        gql,
        UPDATE,
        {
            "product": product,
            "periodRatePercent": "1.25",
            "maxPrincipal": xof(500_000),
            "cycles": [
                {"firstCycle": 1, "minPrincipal": xof(80_000), "maxPrincipal": xof(500_000)}
            ],
        },
    )

    assert updated["userErrors"] == []
    got = updated["product"]
    assert (got["periodRatePercent"], got["installments"], got["maxPrincipal"]) == (
        "1.25",
        10,
        {"amount": "500000"},
    )
    assert got["cycles"] == [
        {
            "firstCycle": 1,
            "lastCycle": None,
            "minPrincipal": {"amount": "80000"},
            "maxPrincipal": {"amount": "500000"},
        }
    ]


async def test_head_office_sets_the_due_date_and_early_payoff_rules(
    gql: GraphQL, p: dict[str, Any]
) -> None:
    rules = "dueDatesFollow earlyPayoffInterest"
    create = CREATE.replace("allowsConcurrentLoans", f"allowsConcurrentLoans {rules}")
    update = UPDATE.replace("allowsConcurrentLoans", f"allowsConcurrentLoans {rules}")
    default = await send(gql, create, product_input(p))
    chosen = await send(
        gql,
        create,
        product_input(
            p, name="Meeting-day loan", dueDatesFollow="MEETING_DAY", earlyPayoffInterest="WAIVED"
        ),
    )
    changed = await send(
        gql, update, {"product": default["product"]["id"], "earlyPayoffInterest": "WAIVED"}
    )

    def rules_of(payload: dict[str, Any]) -> tuple[str, str]:
        assert payload["userErrors"] == []
        return payload["product"]["dueDatesFollow"], payload["product"]["earlyPayoffInterest"]

    assert rules_of(default) == ("DISBURSEMENT_DAY", "DUE_IN_FULL")
    assert rules_of(chosen) == ("MEETING_DAY", "WAIVED")
    assert rules_of(changed) == ("DISBURSEMENT_DAY", "WAIVED")


async def test_narrowing_the_range_below_the_kept_bands_is_refused(
    gql: GraphQL, p: dict[str, Any]
) -> None:
    created = await send(gql, CREATE, product_input(p))

    refused = await send(
        gql, UPDATE, {"product": created["product"]["id"], "maxPrincipal": xof(300_000)}
    )

    assert codes(refused) == [(["input", "maxPrincipal"], "OUT_OF_RANGE")]


async def test_a_retired_product_takes_no_new_loan_and_no_change(
    db: Database, gql: GraphQL, p: dict[str, Any]
) -> None:
    created = await send(gql, CREATE, product_input(p))
    product = created["product"]["id"]
    async with db.transaction() as s:
        group = await g.group(
            s, p["programme"]["id"], p["facilitator"]["id"], formed_on=days_ago(400)
        )
        member = await g.member(s, p["programme"]["id"], group["id"], joined_on=days_ago(300))

    retired = await send(gql, RETIRE, {"product": product, "retiredOn": str(days_ago(1))})
    applied = await send(
        gql,
        APPLY,
        {
            "member": gid("Member", member["id"]),
            "product": product,
            "principal": xof(100_000),
            "appliedOn": str(days_ago(0)),
        },
        **staff_of(p),
    )
    changed = await send(gql, UPDATE, {"product": product, "name": "Another"})
    again = await send(gql, RETIRE, {"product": product, "retiredOn": str(days_ago(0))})

    assert (retired["product"]["active"], retired["product"]["retiredOn"]) == (
        False,
        str(days_ago(1)),
    )
    assert codes(applied) == [(["input", "product"], "INVALID_STATE")]
    assert codes(changed) == [(["input", "product"], "INVALID_STATE")]
    assert codes(again) == [(["input", "product"], "INVALID_STATE")]


async def test_a_retirement_in_the_future_is_refused(gql: GraphQL, p: dict[str, Any]) -> None:
    created = await send(gql, CREATE, product_input(p))

    refused = await send(
        gql, RETIRE, {"product": created["product"]["id"], "retiredOn": str(days_ago(-1))}
    )

    assert codes(refused) == [(["input", "retiredOn"], "IN_FUTURE")]


async def test_a_retried_creation_makes_one_product_and_is_audited(
    db: Database, gql: GraphQL, p: dict[str, Any]
) -> None:
    input = product_input(p, idempotencyKey=secrets.token_hex(8))

    first = await send(gql, CREATE, input)
    again = await send(gql, CREATE, input)

    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["product"]["id"] == first["product"]["id"]
    rows = await table_rows(db, p["programme"]["id"])
    assert (len(rows["products"]), len(rows["cycles"])) == (1, 2)
    (entry,) = rows["audit"]
    assert "loanProductCreate" in entry


async def test_a_replicated_programme_refuses_head_office_catalogue_writes(
    db: Database, gql: GraphQL, p: dict[str, Any]
) -> None:
    async with db.transaction() as s:
        await s.execute(
            insert(ReplicatedProgramme).values(
                programme_id=p["programme"]["id"],
                subscription=f"edm_{secrets.token_hex(4)}",
                source="db.example:5432/fansoto",
            )
        )
    try:
        product = await send(gql, CREATE, product_input(p))
        hired = await send(
            gql,
            HIRE,
            {
                "programme": gid("Programme", p["programme"]["id"]),
                "firstName": "Ousmane",
                "lastName": "Badji",
                "hiredOn": str(days_ago(3)),
            },
        )
    finally:
        async with db.transaction() as s:
            await s.execute(
                delete(ReplicatedProgramme).where(
                    ReplicatedProgramme.programme_id == p["programme"]["id"]
                )
            )
    assert codes(product) == [(None, "NOT_ALLOWED")]
    assert codes(hired) == [(None, "NOT_ALLOWED")]
    assert "own database" in product["userErrors"][0]["message"]


# Facilitators.


def hire_input(p: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "programme": gid("Programme", p["programme"]["id"]),
        "firstName": "Ousmane",
        "lastName": "Badji",
        "phone": "+221 77 555 00 11",
        "hiredOn": str(days_ago(30)),
    }
    values.update(overrides)
    return values


async def test_head_office_and_the_programmes_staff_hire_facilitators(
    db: Database, gql: GraphQL, p: dict[str, Any]
) -> None:
    by_head_office = await send(gql, HIRE, hire_input(p))
    by_staff = await send(gql, HIRE, hire_input(p, lastName="Sagna"), **staff_of(p))
    async with db.transaction() as s:
        other = await n.programme(s)
    by_other_staff = await send(
        gql, HIRE, hire_input(p), programmes=other["code"], subject="x@other"
    )

    assert by_head_office["userErrors"] == []
    # Head office wrote the phone but does not read it: personal data.
    assert by_head_office["facilitator"]["phone"] is None
    assert by_staff["facilitator"]["phone"] == "+221 77 555 00 11"
    assert by_staff["facilitator"]["active"] is True
    assert codes(by_other_staff) == [(["input", "programme"], "NOT_FOUND")]


async def test_bad_facilitator_details_name_their_field(gql: GraphQL, p: dict[str, Any]) -> None:
    blank = await send(gql, HIRE, hire_input(p, firstName=" "))
    future = await send(gql, HIRE, hire_input(p, hiredOn=str(days_ago(-2))))

    assert codes(blank) == [(["input", "firstName"], "REQUIRED")]
    assert codes(future) == [(["input", "hiredOn"], "IN_FUTURE")]


async def test_a_correction_changes_only_what_it_names(gql: GraphQL, p: dict[str, Any]) -> None:
    hired = await send(gql, HIRE, hire_input(p), **staff_of(p))
    facilitator = hired["facilitator"]["id"]

    corrected = await send(
        gql, CORRECT, {"facilitator": facilitator, "lastName": "Badji-Sané"}, **staff_of(p)
    )
    cleared = await send(gql, CORRECT, {"facilitator": facilitator, "phone": None}, **staff_of(p))
    refused = await send(
        gql, CORRECT, {"facilitator": facilitator, "firstName": None}, **staff_of(p)
    )

    assert (corrected["facilitator"]["firstName"], corrected["facilitator"]["lastName"]) == (
        "Ousmane",
        "Badji-Sané",
    )
    assert cleared["facilitator"]["phone"] is None
    assert codes(refused) == [(["input", "firstName"], "REQUIRED")]


async def test_a_facilitator_with_an_open_group_is_not_retired(
    db: Database, gql: GraphQL, p: dict[str, Any]
) -> None:
    async with db.transaction() as s:
        await g.group(s, p["programme"]["id"], p["facilitator"]["id"], name="Kagnobon Nord")
        await g.group(
            s,
            p["programme"]["id"],
            p["facilitator"]["id"],
            status=GroupStatus.CLOSED,
            closed_on=days_ago(10),
        )
    facilitator = gid("Facilitator", p["facilitator"]["id"])

    refused = await send(gql, LEAVE, {"facilitator": facilitator, "retiredOn": str(days_ago(1))})

    assert codes(refused) == [(["input", "facilitator"], "STILL_ASSIGNED")]
    assert "1 open group(s) (Kagnobon Nord)" in refused["userErrors"][0]["message"]


async def test_a_retired_facilitator_takes_no_new_group(gql: GraphQL, p: dict[str, Any]) -> None:
    facilitator = gid("Facilitator", p["facilitator"]["id"])

    retired = await send(gql, LEAVE, {"facilitator": facilitator, "retiredOn": str(days_ago(1))})
    group = await send(
        gql,
        GROUP_CREATE,
        {
            "facilitator": facilitator,
            "name": "Kagnobon Sud",
            "meetingFrequency": "MONTHLY",
            "meetingPlace": "Boucotte",
            "formedOn": str(days_ago(0)),
        },
        **staff_of(p),
    )
    twice = await send(gql, LEAVE, {"facilitator": facilitator, "retiredOn": str(days_ago(0))})
    early = await send(
        gql,
        LEAVE,
        {
            "facilitator": (await send(gql, HIRE, hire_input(p)))["facilitator"]["id"],
            "retiredOn": str(days_ago(31)),
        },
    )

    assert (retired["facilitator"]["active"], retired["facilitator"]["retiredOn"]) == (
        False,
        str(days_ago(1)),
    )
    assert codes(group) == [(["input", "facilitator"], "INVALID_STATE")]
    assert codes(twice) == [(["input", "facilitator"], "INVALID_STATE")]
    assert codes(early) == [(["input", "retiredOn"], "DATES_OUT_OF_ORDER")]


async def test_a_retried_hire_makes_one_facilitator(
    db: Database, gql: GraphQL, p: dict[str, Any]
) -> None:
    input = hire_input(p, idempotencyKey=secrets.token_hex(8))

    first = await send(gql, HIRE, input, **staff_of(p))
    again = await send(gql, HIRE, input, **staff_of(p))

    assert again["replayed"] is True
    assert again["facilitator"]["id"] == first["facilitator"]["id"]
    rows = await table_rows(db, p["programme"]["id"])
    assert len(rows["facilitators"]) == 2  # the fixture's and this one
    assert all("+221" not in str(entry) for entry in rows["audit"])
