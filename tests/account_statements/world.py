"""A DP holder with agreements, a payment and a council list of blocked card categories, and the
GraphQL operations the statement tests send."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from strawberry.relay import to_base64

from broker.accounts.models import Council, Role, User
from broker.agreements.models import BlockedMerchantCategory
from tests.factories import (
    make_agreement,
    make_council,
    make_holder,
    make_payment,
    make_plan,
    make_provider,
    make_user,
    reload,
)

IMPORT = """mutation($input: ImportStatementInput!) { importStatement(input: $input) {
  linesRead linesAdded linesAlreadyImported
  statement { id format firstDate lastDate linesRead linesAdded paidOut paidIn openingBalance closingBalance
              expectedClosingBalance balanceChecked balanceMismatchLines }
  balanceCheck { opening closing expectedClosing matches mismatchLines mismatches }
  addedByStatus { status lines }
  userErrors { field message code }
} }"""

LINES = """query($filter: StatementLineFilterInput, $first: Int) {
  statementLines(first: $first, filter: $filter) { totalCount nodes {
    id lineNumber postedOn payee reference merchantCategoryCode paidOut paidIn balance status statusMessage
    resolution resolutionReason resolved resolvedAt resolvedBy { email }
    payment { id } agreement { id } holder { id } statement { id }
  } } }"""

RESOLVE = """mutation($input: ResolveStatementLineInput!) { resolveStatementLine(input: $input) {
  line { id status resolution resolutionReason resolved resolvedAt resolvedBy { email } agreement { id } }
  userErrors { field message code }
} }"""

# Amina's bank account in November 2026: the council's top-up, Jo's invoice (recorded as a payment),
# Jo's next week (not recorded), Kim after her agreement ended, a holiday, and far too much to Jo.
BANK = """Date,Payee,Amount,Reference,Balance
2026-11-01,Leeds City Council,1200.00,DP TOP UP,1500.00
2026-11-09,JO BLOGGS,-145.00,INV-1102,1355.00
2026-11-16,Jo Bloggs,-145.00,Nov wk3,1210.00
2026-11-17,Kim Care,-90.00,,1120.00
2026-11-18,Sunny Holidays,-400.00,,720.00
2026-11-20,Jo Bloggs,-900.00,extra,-180.00
"""


@dataclass
class World:
    council: Council
    broker: User
    holder: Any
    holder_user: User
    representative: User
    jo_user: User
    jo: Any
    jo_agreement: Any
    kim_agreement: Any
    payment: Any

    @property
    def holder_id(self) -> str:
        return to_base64("DPHolder", self.holder.id)

    def import_input(self, file: str, format: str = "BANK_CSV", **more: Any) -> dict[str, Any]:
        return {"input": {"holderId": self.holder_id, "format": format, "file": file, **more}}


async def world(db, *, blocked: tuple[str, ...] = ("7995",)) -> World:
    council = await make_council(db, "Leeds City Council")
    broker = await make_user(db, Role.BROKER, council)
    representative = await make_user(db, Role.REPRESENTATIVE, council)
    holder = await make_holder(db, council, representatives=(representative,))
    holder_user = await reload(db, User, holder.user_id)
    plan = await make_plan(db, holder)
    jo_user = await make_user(db, Role.PROVIDER, council)
    jo = await make_provider(db, council, owner=jo_user, name="Jo Bloggs")
    kim = await make_provider(db, council, name="Kim Care Ltd")
    jo_agreement = await make_agreement(db, plan, jo, created_by=broker)
    kim_agreement = await make_agreement(
        db, plan, kim, created_by=broker, status="ENDED", end_date=date(2026, 8, 31)
    )
    payment = await make_payment(db, jo_agreement, period_start=date(2026, 11, 2), key="INV-1102")
    async with db.transaction() as session:
        session.add_all(BlockedMerchantCategory(council_id=council.id, code=c) for c in blocked)
    return World(
        council,
        broker,
        holder,
        holder_user,
        representative,
        jo_user,
        jo,
        jo_agreement,
        kim_agreement,
        payment,
    )


async def lines(api, user, **filters: Any) -> dict[str, Any]:
    return (await api.data(LINES, {"filter": filters or None, "first": 100}, as_user=user))["statementLines"]
