"""The database itself refuses dishonest rows, whatever code writes them."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError

from db.engine import Database
from db.models import Loan, Repayment
from domain.enums import LoanStatus, RepaymentKind
from domain.ids import uuid7
from tests.factories import groups as g
from tests.factories import loans as lf
from tests.factories import network as f


@pytest.fixture
async def two_loans(db: Database) -> list[dict[str, Any]]:
    async with db.transaction() as s:
        programme = await f.programme(s)
        product = await lf.product(s, programme)
        facilitator = await g.facilitator(s, programme["id"])
        group = await g.group(s, programme["id"], facilitator["id"])
        loans = []
        for _ in range(2):
            member = await g.member(s, programme["id"], group["id"])
            payment = lf.Payment(date(2024, 2, 10), Decimal(19_667), facilitator["id"])
            loans.append(await lf.loan(s, product, member, group["id"], payments=[payment]))
    return loans


def reversal_of(entry: dict[str, Any], loan_id: Any) -> dict[str, Any]:
    return {
        **entry,
        "id": uuid7(),
        "loan_id": loan_id,
        "kind": RepaymentKind.REVERSAL,
        "reverses_id": entry["id"],
    }


async def test_a_repayment_of_zero_is_refused(
    db: Database, two_loans: list[dict[str, Any]]
) -> None:
    entry = {
        **two_loans[0]["repayments"][0],
        "id": uuid7(),
        "amount": 0,
        "principal_part": 0,
        "interest_part": 0,
    }
    with pytest.raises(IntegrityError, match="ck_repayments_amount"):
        async with db.transaction() as s:
            await s.execute(insert(Repayment).values(entry))


async def test_a_reversal_must_reverse_an_entry_of_the_same_loan(
    db: Database, two_loans: list[dict[str, Any]]
) -> None:
    first, second = two_loans
    with pytest.raises(IntegrityError, match="fk_repayments_reverses_id_repayments"):
        async with db.transaction() as s:
            await s.execute(
                insert(Repayment).values(reversal_of(first["repayments"][0], second["id"]))
            )

    async with db.transaction() as s:  # the same loan's entry is fine
        await s.execute(insert(Repayment).values(reversal_of(first["repayments"][0], first["id"])))


async def test_a_closed_loan_has_a_closing_date_and_an_open_one_has_none(
    db: Database, two_loans: list[dict[str, Any]]
) -> None:
    with pytest.raises(IntegrityError, match="ck_loans_closed_on"):
        async with db.transaction() as s:
            await s.execute(
                update(Loan).where(Loan.id == two_loans[0]["id"]).values(status=LoanStatus.REPAID)
            )
