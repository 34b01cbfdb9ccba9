"""GraphQL types of imported statements and their reconciled lines."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from broker.api.accounts import UserNode
from broker.api.context import Info
from broker.api.money import Pence, pence_fields
from broker.api.nodes import RowNode
from broker.holders.graphql import DPHolderNode
from broker.statements.balances import BalanceCheck
from broker.statements.formats import DateFormat, MoneyOut
from broker.statements.ledger import LedgerComparison, compare_with_ledger
from broker.statements.models import (
    AccountStatement,
    LineStatus,
    Resolution,
    StatementFormat,
    StatementLine,
    StatementLineResolution,
)
from broker.statements.reading import visible_lines, visible_statements
from broker.statements.resolving import LineAction

if TYPE_CHECKING:
    from broker.agreements.graphql.types import AgreementNode
    from broker.payments.graphql.types import PaymentNode

StatementFormatEnum = strawberry.enum(
    StatementFormat,
    name="StatementFormat",
    description="PREPAID_CARD: Date, Merchant, MCC, Amount (spending positive), Reference; BANK_CSV: Date, "
    "Payee, Amount (money out negative), Reference, optional Balance; BANK_PAID_OUT_PAID_IN: Date "
    "(DD/MM/YYYY), Description, Paid out, Paid in, optional Balance and Reference; CUSTOM: your own "
    "headers, named in `columnMapping`. Columns are found by header, in any order.",
)
StatementLineStatusEnum = strawberry.enum(
    LineStatus,
    name="StatementLineStatus",
    description="What reconciliation found: MATCHED (a recorded payment, or an agreement running that "
    "day at its rate), UNMATCHED (no agreement: the audit's OUTSIDE_AGREEMENT), AFTER_AGREEMENT_ENDED, "
    "ABOVE_AGREED_RATE, BLOCKED_CATEGORY (a card merchant category the council's DP rules block), "
    "MONEY_IN (paid into the account: nothing to reconcile).",
)
StatementLineResolutionEnum = strawberry.enum(
    Resolution, name="StatementLineResolution", description="A broker's decision on a line."
)
StatementLineActionEnum = strawberry.enum(
    LineAction,
    name="StatementLineAction",
    description="ATTACH_TO_AGREEMENT (give `agreementId`), ALLOW (give a `reason`) or RECOVER (the "
    "council will reclaim it; give a `reason`).",
)
StatementDateFormatEnum = strawberry.enum(
    DateFormat,
    name="StatementDateFormat",
    description="ISO (2026-11-02), DAY_MONTH_YEAR (02/11/2026), MONTH_DAY_YEAR (11/02/2026).",
)
StatementMoneyOutEnum = strawberry.enum(
    MoneyOut,
    name="StatementMoneyOut",
    description="How one signed amount column shows money leaving the account.",
)


@strawberry.type(
    name="AccountStatement",
    description="One import of a DP account statement that added lines, with its balance check.",
)
class AccountStatementNode(RowNode):
    id: relay.NodeID[int]
    format: StatementFormatEnum  # type: ignore[valid-type]
    first_date: date
    last_date: date
    lines_read: int = strawberry.field(description="Transactions in the file.")
    lines_added: int = strawberry.field(description="Of them, lines not imported before.")
    paid_out_pence: strawberry.Private[int]
    paid_out, paid_out_pence_int = pence_fields("paid_out", "Money out over the whole file.")
    paid_in_pence: strawberry.Private[int]
    paid_in, paid_in_pence_int = pence_fields("paid_in", "Money in over the whole file.")
    opening_balance_pence: strawberry.Private[int | None]
    opening_balance, opening_balance_pence_int = pence_fields(
        "opening_balance", "Before the first line, from its stated balance.", optional=True
    )
    closing_balance_pence: strawberry.Private[int | None]
    closing_balance, closing_balance_pence_int = pence_fields(
        "closing_balance", "After the last line, as the statement states it.", optional=True
    )
    expected_closing_balance_pence: strawberry.Private[int | None]
    expected_closing_balance, expected_closing_balance_pence_int = pence_fields(
        "expected_closing_balance", "Opening balance + money in - money out.", optional=True
    )
    balance_checked: bool | None = strawberry.field(
        description="Null when the format states no balances; else whether every stated balance follows "
        "from the one before it (false is a mismatch to look into, never accepted silently)."
    )
    balance_mismatch_lines: list[int] = strawberry.field(
        description="File line numbers whose stated balance does not follow (the first 100)."
    )
    imported_at: datetime
    model: strawberry.Private[AccountStatement]

    visible = visible_statements

    @strawberry.field
    async def holder(self, info: Info) -> DPHolderNode:
        holder = await info.context.loaders.dp_holder_by_id.load(self.model.holder_id)
        assert holder is not None
        return DPHolderNode.from_model(holder)

    @strawberry.field(
        description="The statement against the service's record of payments over its dates: money out "
        "never recorded as a payment, and the closing balance the ledger expects."
    )
    async def ledger(self, info: Info) -> StatementLedgerCheck:
        period = (self.model.holder_id, self.model.first_date, self.model.last_date)
        spent, _ = await info.context.loaders.spent_pence_by_period.load(period)
        return StatementLedgerCheck(comparison=compare_with_ledger(self.model, spent))


def _pence(amount: int | None) -> Pence | None:
    return None if amount is None else Pence(amount)


@strawberry.type(
    description="A statement's money against the payments recorded here for the same person and dates "
    "(succeeded, less refunds, by the start of the period they pay for, as the budget statement counts)."
)
class StatementLedgerCheck:
    comparison: strawberry.Private[LedgerComparison]

    @strawberry.field(description="Spent by the payments recorded here over the statement's dates.")
    def recorded_spent(self) -> Pence:
        return Pence(self.comparison.recorded_spent_pence)

    @strawberry.field(description="The statement's money out less the recorded spend; 0 when they agree.")
    def not_recorded(self) -> Pence:
        return Pence(self.comparison.not_recorded_pence)

    @strawberry.field(
        description="Opening balance + money in - recorded spend; null when the statement states no balance."
    )
    def ledger_closing_balance(self) -> Pence | None:
        return _pence(self.comparison.ledger_closing_balance_pence)

    @strawberry.field(description="The statement's closing balance less the ledger's; 0 when they agree.")
    def closing_difference(self) -> Pence | None:
        return _pence(self.comparison.closing_difference_pence)

    @strawberry.field(description="True when the statement and the recorded payments agree to the penny.")
    def agrees(self) -> bool:
        return self.comparison.not_recorded_pence == 0


@strawberry.type(
    name="StatementLineDecision",
    description="One broker's decision on a statement line: what, why, who and when. A line decided "
    "again keeps its earlier decisions.",
)
class StatementLineDecisionType:
    resolution: StatementLineResolutionEnum = strawberry.field(  # type: ignore[valid-type]
        description="ATTACHED to an agreement, ALLOWED with a reason, or RECOVER (the council reclaims it)."
    )
    reason: str = strawberry.field(description="Why (empty for a line attached without one).")
    resolved_at: datetime
    model: strawberry.Private[StatementLineResolution]

    @strawberry.field(description="The agreement the line was attached to (ATTACHED only).")
    async def agreement(
        self, info: Info
    ) -> Annotated[AgreementNode, strawberry.lazy("broker.agreements.graphql.types")] | None:
        from broker.agreements.graphql.types import AgreementNode

        return await AgreementNode.referred_to(info, self.model.agreement_id)

    @strawberry.field(description="The broker or admin who decided.")
    async def resolved_by(self, info: Info) -> UserNode | None:
        user = await info.context.loaders.user_by_id.load(self.model.by_id)
        return UserNode.from_model(user) if user else None

    @classmethod
    def from_model(cls, row: StatementLineResolution) -> StatementLineDecisionType:
        return cls(resolution=row.resolution, reason=row.reason, resolved_at=row.at, model=row)


@strawberry.type(
    name="StatementLine",
    description="One transaction of a DP account statement, and what reconciliation made of it. Text "
    "is as the statement gave it.",
)
class StatementLineNode(RowNode):
    id: relay.NodeID[int]
    line_number: int = strawberry.field(description="Its line in the file that first imported it.")
    posted_on: date
    payee: str
    reference: str
    merchant_category_code: str | None
    paid_out_pence: strawberry.Private[int]
    paid_out, paid_out_pence_int = pence_fields("paid_out", "Money out (0 for money in).")
    paid_in_pence: strawberry.Private[int]
    paid_in, paid_in_pence_int = pence_fields("paid_in", "Money in (0 for money out).")
    balance_pence: strawberry.Private[int | None]
    balance, balance_pence_int = pence_fields("balance", "The balance the statement states.", optional=True)
    status: StatementLineStatusEnum  # type: ignore[valid-type]
    status_message: str = strawberry.field(description="Why, in words.")
    resolution: StatementLineResolutionEnum | None  # type: ignore[valid-type]
    resolution_reason: str
    resolved_at: datetime | None
    model: strawberry.Private[StatementLine]

    visible = visible_lines

    @strawberry.field(description="Whether a broker has decided about it.")
    def resolved(self) -> bool:
        return self.resolution is not None

    @strawberry.field(description="The import that brought it.")
    async def statement(self, info: Info) -> AccountStatementNode:
        statement = await info.context.loaders.account_statement_by_id.load(self.model.statement_id)
        assert statement is not None
        return AccountStatementNode.from_model(statement)

    @strawberry.field
    async def holder(self, info: Info) -> DPHolderNode:
        holder = await info.context.loaders.dp_holder_by_id.load(self.model.holder_id)
        assert holder is not None
        return DPHolderNode.from_model(holder)

    @strawberry.field(description="The recorded payment it matched, if any.")
    async def payment(
        self, info: Info
    ) -> Annotated[PaymentNode, strawberry.lazy("broker.payments.graphql.types")] | None:
        from broker.payments.graphql.types import PaymentNode

        if self.model.payment_id is None:
            return None
        payment = await info.context.loaders.payment_by_id.load(self.model.payment_id)
        return PaymentNode.from_model(payment) if payment else None

    @strawberry.field(description="The agreement it was matched or attached to, if any.")
    async def agreement(
        self, info: Info
    ) -> Annotated[AgreementNode, strawberry.lazy("broker.agreements.graphql.types")] | None:
        from broker.agreements.graphql.types import AgreementNode

        return await AgreementNode.referred_to(info, self.model.agreement_id)

    @strawberry.field(
        description="Every decision on the line, the latest first (the first is `resolution`; the rest "
        "were replaced by a later decision). Empty while undecided."
    )
    async def resolutions(self, info: Info) -> list[StatementLineDecisionType]:
        rows = await info.context.loaders.resolutions_by_statement_line_id.load(self.model.id)  # type: ignore[arg-type]
        return [StatementLineDecisionType.from_model(r) for r in rows]

    @strawberry.field(description="The broker who decided about it last.")
    async def resolved_by(self, info: Info) -> UserNode | None:
        if self.model.resolved_by_id is None:
            return None
        user = await info.context.loaders.user_by_id.load(self.model.resolved_by_id)
        return UserNode.from_model(user) if user else None


@strawberry.type(description="How many lines an import added with one status.")
class StatementStatusCount:
    status: StatementLineStatusEnum  # type: ignore[valid-type]
    lines: int


@strawberry.type(
    name="StatementBalanceCheck",
    description="The statement's stated balances against opening balance + money in - money out.",
)
class BalanceCheckType:
    opening_pence: strawberry.Private[int]
    opening, opening_pence_int = pence_fields("opening", "Before the first line.")
    closing_pence: strawberry.Private[int]
    closing, closing_pence_int = pence_fields("closing", "As the statement states it.")
    expected_closing_pence: strawberry.Private[int]
    expected_closing, expected_closing_pence_int = pence_fields(
        "expected_closing", "What the lines give: opening + money in - money out."
    )
    matches: bool = strawberry.field(description="False: some stated balance does not follow.")
    mismatch_lines: list[int] = strawberry.field(description="Those lines (the first 100).")
    mismatches: int

    @classmethod
    def from_check(cls, check: BalanceCheck) -> BalanceCheckType:
        return cls(
            opening_pence=check.opening_pence,
            closing_pence=check.closing_pence,
            expected_closing_pence=check.expected_closing_pence,
            matches=check.matches,
            mismatch_lines=check.mismatch_lines,
            mismatches=check.mismatches,
        )
