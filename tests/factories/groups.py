"""Facilitators, groups, members (with their membership) and training sessions."""

import uuid
from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Attendance, Facilitator, Group, GroupMembership, Member, TrainingSession
from domain.enums import Activity, Gender, GroupStatus, MeetingFrequency, TrainingKind
from domain.ids import uuid7

from . import unique


async def facilitator(
    session: AsyncSession, programme_id: uuid.UUID, **overrides: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": uuid7(),
        "programme_id": programme_id,
        "first_name": "Awa",
        "last_name": unique("Diatta"),
        "phone": "+221 77 000 00 00",
        "hired_on": date(2017, 3, 1),
    }
    values.update(overrides)
    await session.execute(insert(Facilitator).values(**values))
    return values


async def group(
    session: AsyncSession, programme_id: uuid.UUID, facilitator_id: uuid.UUID, **overrides: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": uuid7(),
        "programme_id": programme_id,
        "facilitator_id": facilitator_id,
        "name": unique("Kagnobon"),
        "meeting_frequency": MeetingFrequency.MONTHLY,
        "meeting_place": "Boucotte",
        "formed_on": date(2020, 1, 15),
        "status": GroupStatus.ACTIVE,
    }
    values.update(overrides)
    await session.execute(insert(Group).values(**values))
    return values


async def member(
    session: AsyncSession, programme_id: uuid.UUID, group_id: uuid.UUID | None, **overrides: Any
) -> dict[str, Any]:
    """A member, in `group_id` from her join date when a group is given."""
    values: dict[str, Any] = {
        "id": uuid7(),
        "programme_id": programme_id,
        "first_name": "Fatou",
        "last_name": unique("Sane"),
        "gender": Gender.FEMALE,
        "birth_year": 1985,
        "phone": "+221 77 123 45 67",
        "joined_on": date(2020, 1, 15),
        "activity": Activity.SMALL_SHOP,
        "poverty_likelihood": 42.5,
    }
    values.update(overrides)
    await session.execute(insert(Member).values(**values))
    if group_id is not None:
        await membership(session, programme_id, values["id"], group_id, values["joined_on"])
    return values


async def membership(
    session: AsyncSession,
    programme_id: uuid.UUID,
    member_id: uuid.UUID,
    group_id: uuid.UUID,
    joined_on: date,
    left_on: date | None = None,
) -> None:
    await session.execute(
        insert(GroupMembership).values(
            id=uuid7(),
            programme_id=programme_id,
            member_id=member_id,
            group_id=group_id,
            joined_on=joined_on,
            left_on=left_on,
        )
    )


async def training_session(
    session: AsyncSession,
    programme_id: uuid.UUID,
    group_id: uuid.UUID,
    facilitator_id: uuid.UUID,
    attendees: list[uuid.UUID],
    **overrides: Any,
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": uuid7(),
        "programme_id": programme_id,
        "group_id": group_id,
        "facilitator_id": facilitator_id,
        "held_on": date(2020, 2, 1),
        "kind": TrainingKind.INITIAL,
        "topic": "Managing an income-generating activity",
    }
    values.update(overrides)
    await session.execute(insert(TrainingSession).values(**values))
    if attendees:
        await session.execute(
            insert(Attendance).values(
                [
                    {"session_id": values["id"], "member_id": m, "programme_id": programme_id}
                    for m in attendees
                ]
            )
        )
    return values


async def move(
    session: AsyncSession,
    programme_id: uuid.UUID,
    member_id: uuid.UUID,
    group_id: uuid.UUID,
    on: date,
) -> None:
    """Close the member's open membership on `on` and open one in `group_id` that day."""
    await session.execute(
        update(GroupMembership)
        .where(GroupMembership.member_id == member_id, GroupMembership.left_on.is_(None))
        .values(left_on=on)
    )
    await membership(session, programme_id, member_id, group_id, on)
