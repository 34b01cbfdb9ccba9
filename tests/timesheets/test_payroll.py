"""The payroll export: approved weeks of a pay period for the organisation that runs the payroll."""

from __future__ import annotations

import csv
import io
from datetime import date

from broker.accounts.models import Role, User
from broker.providers.models import Provider
from tests.factories import make_council, make_support_org, make_user
from tests.timesheets.world import approve, gid, shift, submitted, world

EXPORT = """query($provider: ID!, $from: Date!, $to: Date!) {
  payrollExport(providerId: $provider, periodStart: $from, periodEnd: $to) {
    periodStart periodEnd timesheets amountDue csv } }"""


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def _export(api, user, provider, start="2026-11-01", end="2026-11-30"):
    return await api.execute(
        EXPORT, {"provider": gid("Provider", provider), "from": start, "to": end}, as_user=user
    )


async def test_the_bureau_exports_aminas_approved_weeks_of_the_month(api, db):
    w = await world(db)
    week = await submitted(api, w)
    await approve(api, w.holder_user, week)
    earlier = await submitted(api, w, [shift("2026-11-09", "09:00", "14:00")], week=date(2026, 11, 9))
    await approve(api, w.holder_user, earlier)
    await submitted(api, w, [shift("2026-11-23", "09:00", "14:00")], week=date(2026, 11, 23))
    ben_week = await submitted(api, w, [shift("2026-11-17", "09:00", "12:00")], agreement=w.ben_agreement)
    await approve(api, w.ben_user, ben_week)

    body = await _export(api, w.bureau_user, w.bureau)

    export = body["data"]["payrollExport"]
    assert (export["timesheets"], export["amountDue"]) == (2, 14_500 + 7_250)
    found = rows(export["csv"])
    assert [
        (r["timesheet_id"], r["week_start"], r["minutes"], r["hours"], r["amount_due_pence"]) for r in found
    ] == [
        (earlier, "2026-11-09", "300", "5.00", "7250"),
        (week, "2026-11-16", "600", "10.00", "14500"),
    ]
    assert {(r["employer"], r["worker"], r["hourly_rate_pence"], r["approved_by"]) for r in found} == {
        ("Amina Hussain", "Jo Bloggs", "1450", "HOLDER")
    }


async def test_names_that_a_spreadsheet_would_run_leave_as_text(api, db):
    w = await world(db)
    async with db.transaction() as session:
        (await session.get(Provider, w.jo.id)).name = '=HYPERLINK("http://evil.example","Jo")'
        (await session.get(User, w.holder.user_id)).full_name = "@SUM(A1:A9)"
    week = await submitted(api, w)
    await approve(api, w.holder_user, week)

    export = (await _export(api, w.bureau_user, w.bureau))["data"]["payrollExport"]

    (row,) = rows(export["csv"])
    assert (row["employer"], row["worker"]) == ("'@SUM(A1:A9)", '\'=HYPERLINK("http://evil.example","Jo")')


async def test_only_the_bureau_and_its_councils_staff_export_its_payroll(api, db):
    w = await world(db)
    week = await submitted(api, w)
    await approve(api, w.holder_user, week)
    other_org_user = await make_user(db, Role.PROVIDER, w.council)
    other_org = await make_support_org(db, w.council, owner=other_org_user, name="Other Payroll")

    answers = {
        name: await _export(api, user, w.bureau)
        for name, user in {
            "broker": w.broker,
            "jo": w.jo_user,
            "amina": w.holder_user,
            "another organisation": other_org_user,
            "another council's broker": await make_user(db, Role.BROKER, await make_council(db)),
        }.items()
    }
    own_but_runs_none = await _export(api, other_org_user, other_org)
    anonymous = await api.execute(
        EXPORT, {"provider": gid("Provider", w.bureau), "from": "2026-11-01", "to": "2026-11-30"}
    )

    assert answers["broker"]["data"]["payrollExport"]["timesheets"] == 1
    for name in ("jo", "amina", "another organisation", "another council's broker"):
        assert answers[name]["data"] is None, name
        assert answers[name]["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED", name
    assert own_but_runs_none["data"]["payrollExport"]["timesheets"] == 0
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_pay_period_runs_forwards_for_at_most_a_quarter(api, db):
    w = await world(db)

    backwards = await _export(api, w.bureau_user, w.bureau, "2026-11-30", "2026-11-01")
    too_long = await _export(api, w.bureau_user, w.bureau, "2026-01-01", "2026-12-31")

    assert backwards["errors"][0]["extensions"]["code"] == "OUT_OF_RANGE"
    assert backwards["errors"][0]["message"] == "A pay period cannot end before it starts."
    assert too_long["errors"][0]["message"] == "A pay period is at most 92 days."
