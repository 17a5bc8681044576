import uuid
from dataclasses import dataclass

from sqlalchemy.engine import RowMapping
from strawberry.dataloader import DataLoader

from db import groups
from db.engine import Database
from db.pagination import Page
from db.scope import Scope

from .base import CountKey, PageKey, all_by, counts_by, pages_by, rows_by_id


@dataclass(frozen=True, slots=True)
class GroupLoaders:
    facilitator_by_id: DataLoader[uuid.UUID, RowMapping | None]
    group_by_id: DataLoader[uuid.UUID, RowMapping | None]
    member_by_id: DataLoader[uuid.UUID, RowMapping | None]
    training_session_by_id: DataLoader[uuid.UUID, RowMapping | None]
    facilitators_by_programme: DataLoader[PageKey, Page]
    facilitators_count_by_programme: DataLoader[CountKey, int]
    groups_by_programme: DataLoader[PageKey, Page]
    groups_count_by_programme: DataLoader[CountKey, int]
    groups_by_facilitator: DataLoader[PageKey, Page]
    groups_count_by_facilitator: DataLoader[CountKey, int]
    members_by_programme: DataLoader[PageKey, Page]
    members_count_by_programme: DataLoader[CountKey, int]
    members_by_group: DataLoader[PageKey, Page]
    members_count_by_group: DataLoader[CountKey, int]
    memberships_by_group: DataLoader[PageKey, Page]
    memberships_count_by_group: DataLoader[CountKey, int]
    memberships_by_member: DataLoader[uuid.UUID, list[RowMapping]]
    current_group_by_member: DataLoader[uuid.UUID, list[RowMapping]]
    sessions_by_programme: DataLoader[PageKey, Page]
    sessions_count_by_programme: DataLoader[CountKey, int]
    sessions_by_group: DataLoader[PageKey, Page]
    sessions_count_by_group: DataLoader[CountKey, int]
    sessions_by_attendee: DataLoader[PageKey, Page]
    sessions_count_by_attendee: DataLoader[CountKey, int]
    attendees_by_session: DataLoader[PageKey, Page]
    attendees_count_by_session: DataLoader[CountKey, int]


def build(db: Database, scope: Scope) -> GroupLoaders:
    f, g, m = groups.facilitators, groups.groups, groups.memberships
    s, a = groups.training_sessions, groups.attendances
    return GroupLoaders(
        facilitator_by_id=rows_by_id(db, scope, groups.FACILITATORS),
        group_by_id=rows_by_id(db, scope, groups.GROUPS),
        member_by_id=rows_by_id(db, scope, groups.MEMBERS),
        training_session_by_id=rows_by_id(db, scope, groups.TRAINING_SESSIONS),
        facilitators_by_programme=pages_by(db, scope, groups.FACILITATORS, f.c.programme_id),
        facilitators_count_by_programme=counts_by(db, scope, groups.FACILITATORS, f.c.programme_id),
        groups_by_programme=pages_by(db, scope, groups.GROUPS, g.c.programme_id),
        groups_count_by_programme=counts_by(db, scope, groups.GROUPS, g.c.programme_id),
        groups_by_facilitator=pages_by(db, scope, groups.GROUPS, g.c.facilitator_id),
        groups_count_by_facilitator=counts_by(db, scope, groups.GROUPS, g.c.facilitator_id),
        members_by_programme=pages_by(db, scope, groups.MEMBERS, groups.members.c.programme_id),
        members_count_by_programme=counts_by(
            db, scope, groups.MEMBERS, groups.members.c.programme_id
        ),
        members_by_group=pages_by(db, scope, groups.GROUP_MEMBERS, m.c.group_id),
        members_count_by_group=counts_by(db, scope, groups.GROUP_MEMBERS, m.c.group_id),
        memberships_by_group=pages_by(db, scope, groups.MEMBERSHIPS, m.c.group_id),
        memberships_count_by_group=counts_by(db, scope, groups.MEMBERSHIPS, m.c.group_id),
        memberships_by_member=all_by(db, scope, groups.MEMBERSHIPS, m.c.member_id),
        current_group_by_member=all_by(db, scope, groups.CURRENT_GROUPS, m.c.member_id),
        sessions_by_programme=pages_by(db, scope, groups.TRAINING_SESSIONS, s.c.programme_id),
        sessions_count_by_programme=counts_by(
            db, scope, groups.TRAINING_SESSIONS, s.c.programme_id
        ),
        sessions_by_group=pages_by(db, scope, groups.TRAINING_SESSIONS, s.c.group_id),
        sessions_count_by_group=counts_by(db, scope, groups.TRAINING_SESSIONS, s.c.group_id),
        sessions_by_attendee=pages_by(db, scope, groups.ATTENDED_SESSIONS, a.c.member_id),
        sessions_count_by_attendee=counts_by(db, scope, groups.ATTENDED_SESSIONS, a.c.member_id),
        attendees_by_session=pages_by(db, scope, groups.ATTENDEES, a.c.session_id),
        attendees_count_by_session=counts_by(db, scope, groups.ATTENDEES, a.c.session_id),
    )
