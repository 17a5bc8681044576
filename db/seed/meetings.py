"""The demo data's group meetings, derived from the ledger once it is loaded, in set-based SQL.

A group met on every day one of its members repaid, deposited or withdrew, or it was trained:
those members are PRESENT, the group's other members that day ABSENT or (one in four, drawn
from a hash so the same data gives the same rows) EXCUSED. The repayments, savings movements
and training sessions of the day point at the meeting. A member's group on a day is the one
her membership covered then. Keys are UUIDv7 for the meeting's day, with their random part
from a hash of what they identify, as db/meetings.meeting_id mints them for the day.
"""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .load import Connection, set_aside

# The demo's meetings are FANSOTO's: every day of each of its groups, ~10,000 meetings at
# demo size (all twelve programmes: ~140,000, with 16 attendances each).
PROGRAMMES = ("FANSOTO",)


def _uuid7(day: str, seed: str, *, hashed: bool = False) -> str:
    """SQL for a UUIDv7 at `day`'s midnight (UTC) whose random bits hash `seed` (`seed` is
    already an md5 when `hashed`)."""
    h = seed if hashed else f"md5({seed})"
    return (
        f"(lpad(to_hex((extract(epoch FROM {day}) * 1000)::bigint), 12, '0') || '7'"
        f" || substr({h}, 1, 3) || '8' || substr({h}, 4, 15))::uuid"
    )


_COVERS = "m.joined_on <= {day} AND (m.left_on IS NULL OR m.left_on > {day})"

# Each step with the table whose new rows it counts, if it inserts any.
STEPS: tuple[tuple[str | None, str], ...] = (
    # Who did something in which group on which day, and the row that records it.
    (
        None,
        f"""
    CREATE TEMPORARY TABLE seed_meeting_events ON COMMIT DROP AS
    SELECT r.programme_id, m.group_id, l.member_id, r.paid_on AS day,
           r.id AS repayment_id, NULL::uuid AS transaction_id
    FROM repayments r
    JOIN loans l ON l.id = r.loan_id
    JOIN group_memberships m ON m.member_id = l.member_id AND {_COVERS.format(day="r.paid_on")}
    WHERE r.kind = 'REPAYMENT' AND r.programme_id IN (SELECT id FROM seed_meeting_programmes)
    UNION ALL
    SELECT t.programme_id, m.group_id, a.member_id, t.occurred_on, NULL, t.id
    FROM savings_transactions t
    JOIN savings_accounts a ON a.id = t.account_id
    JOIN group_memberships m ON m.member_id = a.member_id AND {_COVERS.format(day="t.occurred_on")}
    WHERE t.kind IN ('DEPOSIT', 'WITHDRAWAL')
      AND t.programme_id IN (SELECT id FROM seed_meeting_programmes)
    UNION ALL
    SELECT s.programme_id, s.group_id, a.member_id, s.held_on, NULL, NULL
    FROM training_sessions s JOIN attendances a ON a.session_id = s.id
    WHERE s.programme_id IN (SELECT id FROM seed_meeting_programmes)
    """,
    ),
    (
        "meetings",
        f"""
    INSERT INTO meetings (id, programme_id, group_id, facilitator_id, held_on, notes)
    SELECT {_uuid7("d.day", "d.group_id::text || d.day::text")},
           d.programme_id, d.group_id, g.facilitator_id, d.day, ''
    FROM (
        SELECT programme_id, group_id, day FROM seed_meeting_events
        UNION
        SELECT programme_id, group_id, held_on FROM training_sessions
        WHERE programme_id IN (SELECT id FROM seed_meeting_programmes)
    ) AS d
    JOIN groups g ON g.id = d.group_id
    """,
    ),
    (
        "meeting_attendances",
        f"""
    INSERT INTO meeting_attendances (id, programme_id, meeting_id, member_id, status)
    SELECT {_uuid7("mt.held_on", "h", hashed=True)},
           mt.programme_id, mt.id, m.member_id,
           CASE WHEN p.member_id IS NOT NULL THEN 'PRESENT'
                WHEN get_byte(decode(h, 'hex'), 15) < 64 THEN 'EXCUSED'
                ELSE 'ABSENT' END::attendance_status
    FROM meetings mt
    JOIN group_memberships m ON m.group_id = mt.group_id AND {_COVERS.format(day="mt.held_on")}
    CROSS JOIN LATERAL (SELECT md5(mt.id::text || m.member_id::text) AS h) AS hashed
    LEFT JOIN (SELECT DISTINCT group_id, day, member_id FROM seed_meeting_events) AS p
      ON p.group_id = mt.group_id AND p.day = mt.held_on AND p.member_id = m.member_id
    WHERE mt.programme_id IN (SELECT id FROM seed_meeting_programmes)
    """,
    ),
    (
        None,
        """
    UPDATE repayments r SET meeting_id = mt.id
    FROM seed_meeting_events e JOIN meetings mt ON mt.group_id = e.group_id AND mt.held_on = e.day
    WHERE r.id = e.repayment_id
    """,
    ),
    (
        None,
        """
    UPDATE savings_transactions t SET meeting_id = mt.id
    FROM seed_meeting_events e JOIN meetings mt ON mt.group_id = e.group_id AND mt.held_on = e.day
    WHERE t.id = e.transaction_id
    """,
    ),
    (
        None,
        """
    UPDATE training_sessions s SET meeting_id = mt.id
    FROM meetings mt
    WHERE mt.group_id = s.group_id AND mt.held_on = s.held_on
      AND s.programme_id IN (SELECT id FROM seed_meeting_programmes)
    """,
    ),
)


async def derive(engine: AsyncEngine, codes: tuple[str, ...] = PROGRAMMES) -> dict[str, int]:
    """The meetings of the programmes `codes`, in one transaction; rows written per table.
    The attendances (a meeting's whole group each) go into a table without its keys and
    indexes, built again once they are in, as the load does."""
    async with engine.begin() as conn:
        # Through SQLAlchemy: this opens the transaction the raw statements below run in.
        await conn.execute(text("SET LOCAL statement_timeout = 0"))
        raw: Connection | None = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        await raw.execute(
            "CREATE TEMPORARY TABLE seed_meeting_programmes ON COMMIT DROP AS"
            " SELECT id FROM programmes WHERE code = ANY($1::text[])",
            list(codes),
        )
        counts: dict[str, int] = {}
        for table, step in STEPS:
            rebuild = await set_aside(raw, [table]) if table == "meeting_attendances" else []
            status = await raw.execute(step)
            for statement in rebuild:
                await raw.execute(statement)
            if table is not None:
                counts[table] = int(status.split()[-1])
        # Their statistics in the same transaction, as the load takes the others'.
        await raw.execute("ANALYZE meetings, meeting_attendances")
        return counts
