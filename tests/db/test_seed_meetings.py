"""The demo data's meetings: FANSOTO's groups met on the days their ledger says they did."""

from tests.db.test_seed import Seeded, create_database, fetch, scalar, seeded

__all__ = ["create_database", "seeded"]  # the module's fixtures, shared with test_seed


async def test_fansoto_groups_have_meetings_and_the_counts_say_so(seeded: Seeded) -> None:
    assert seeded.counts["meetings"] > 0
    assert seeded.counts["meeting_attendances"] > seeded.counts["meetings"]
    for table in ("meetings", "meeting_attendances"):
        assert await scalar(seeded.engine, f"SELECT count(*) FROM {table}") == seeded.counts[table]
    programmes = await fetch(
        seeded.engine,
        "SELECT DISTINCT p.code FROM meetings m JOIN programmes p ON p.id = m.programme_id",
    )
    assert [row.code for row in programmes] == ["FANSOTO"]
    # Every FANSOTO group that collected a repayment has met.
    silent = await scalar(
        seeded.engine,
        "SELECT count(*) FROM groups g JOIN programmes p ON p.id = g.programme_id"
        " WHERE p.code = 'FANSOTO' AND EXISTS (SELECT FROM loans l JOIN repayments r"
        " ON r.loan_id = l.id WHERE l.group_id = g.id)"
        " AND NOT EXISTS (SELECT FROM meetings m WHERE m.group_id = g.id)",
    )
    assert silent == 0


async def test_each_repayment_and_movement_is_linked_to_her_group_s_meeting_that_day(
    seeded: Seeded,
) -> None:
    covers = (
        "JOIN group_memberships gm ON gm.member_id = {member} AND gm.group_id = m.group_id"
        " AND gm.joined_on <= m.held_on AND (gm.left_on IS NULL OR gm.left_on > m.held_on)"
    )
    wrong_repayments = await scalar(
        seeded.engine,
        "SELECT count(*) FROM repayments r JOIN loans l ON l.id = r.loan_id"
        " JOIN meetings m ON m.id = r.meeting_id"
        " WHERE m.held_on <> r.paid_on OR NOT EXISTS (SELECT FROM group_memberships gm"
        " WHERE gm.member_id = l.member_id AND gm.group_id = m.group_id"
        " AND gm.joined_on <= m.held_on AND (gm.left_on IS NULL OR gm.left_on > m.held_on))",
    )
    assert wrong_repayments == 0
    unlinked = await scalar(
        seeded.engine,
        "SELECT count(*) FROM repayments r JOIN loans l ON l.id = r.loan_id"
        " JOIN programmes p ON p.id = r.programme_id"
        f" JOIN meetings m ON m.held_on = r.paid_on {covers.format(member='l.member_id')}"
        " WHERE p.code = 'FANSOTO' AND r.kind = 'REPAYMENT' AND r.meeting_id IS NULL",
    )
    assert unlinked == 0
    linked = await scalar(
        seeded.engine, "SELECT count(*) FROM savings_transactions WHERE meeting_id IS NOT NULL"
    )
    assert linked > 0
    misdated = await scalar(
        seeded.engine,
        "SELECT count(*) FROM savings_transactions t JOIN meetings m ON m.id = t.meeting_id"
        " WHERE m.held_on <> t.occurred_on OR t.kind = 'INTEREST'",
    )
    assert misdated == 0
    sessions = await fetch(
        seeded.engine,
        "SELECT count(*) AS all, count(s.meeting_id) AS linked,"
        " count(*) FILTER (WHERE m.held_on = s.held_on AND m.group_id = s.group_id) AS right"
        " FROM training_sessions s JOIN programmes p ON p.id = s.programme_id"
        " LEFT JOIN meetings m ON m.id = s.meeting_id WHERE p.code = 'FANSOTO'",
    )
    assert sessions[0].all == sessions[0].linked == sessions[0].right > 0


async def test_attendance_is_the_whole_group_present_when_it_did_something(
    seeded: Seeded,
) -> None:
    # One attendance per member of the group that day, no one else.
    mismatched = await scalar(
        seeded.engine,
        "SELECT count(*) FROM meetings m WHERE (SELECT count(*) FROM meeting_attendances a"
        " WHERE a.meeting_id = m.id) <> (SELECT count(*) FROM group_memberships gm"
        " WHERE gm.group_id = m.group_id AND gm.joined_on <= m.held_on"
        " AND (gm.left_on IS NULL OR gm.left_on > m.held_on))",
    )
    assert mismatched == 0
    # Present: she repaid, saved or was trained that day; otherwise absent or excused.
    wrong = await scalar(
        seeded.engine,
        "SELECT count(*) FROM meeting_attendances a JOIN meetings m ON m.id = a.meeting_id"
        " WHERE (a.status = 'PRESENT') <> ("
        " EXISTS (SELECT FROM repayments r JOIN loans l ON l.id = r.loan_id"
        "  WHERE r.meeting_id = m.id AND l.member_id = a.member_id)"
        " OR EXISTS (SELECT FROM savings_transactions t JOIN savings_accounts s"
        "  ON s.id = t.account_id WHERE t.meeting_id = m.id AND s.member_id = a.member_id)"
        " OR EXISTS (SELECT FROM training_sessions ts JOIN attendances ta"
        "  ON ta.session_id = ts.id WHERE ts.meeting_id = m.id AND ta.member_id = a.member_id))",
    )
    assert wrong == 0
    statuses = await fetch(
        seeded.engine, "SELECT status, count(*) FROM meeting_attendances GROUP BY status"
    )
    assert {row.status for row in statuses} == {"PRESENT", "ABSENT", "EXCUSED"}
