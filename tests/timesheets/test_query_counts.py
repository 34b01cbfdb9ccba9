"""`timesheets` costs the same statements for a page of 2 weeks or of 12, with everything a holder's
approval list asks for (shifts, provider, holder, agreement)."""

from __future__ import annotations

from datetime import date, timedelta

from tests.statements import counting_statements
from tests.timesheets.world import shift, submitted, world

PAGE = """query($first: Int!) { timesheets(first: $first) { totalCount nodes {
  id weekStart status minutes amountDue flaggedShifts
  shifts { workedOn start end outsideAgreedSlots }
  provider { name } holder { id heldAs } agreement { id }
} } }"""


async def test_a_page_of_timesheets_costs_the_same_statements_for_2_or_12(api, db):
    w = await world(db)
    for n in range(12):
        monday = date(2026, 9, 7) + timedelta(weeks=n)
        wednesday = monday + timedelta(days=2)
        await submitted(
            api,
            w,
            [shift(monday.isoformat(), "09:00", "14:00"), shift(wednesday.isoformat(), "09:00", "14:00")],
            week=monday,
        )

    with counting_statements(db) as two:
        small = await api.data(PAGE, {"first": 2}, as_user=w.holder_user)
    with counting_statements(db) as twelve:
        large = await api.data(PAGE, {"first": 12}, as_user=w.holder_user)

    assert (len(small["timesheets"]["nodes"]), len(large["timesheets"]["nodes"])) == (2, 12)
    assert len(twelve) == len(two)
