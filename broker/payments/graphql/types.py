"""GraphQL types of payments, refunds, budget statements and the annual audit."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from broker.api.context import Info
from broker.api.money import pence_fields
from broker.api.nodes import RowNode
from broker.holders.graphql import DPHolderNode
from broker.payments.audit import AuditFlag, AuditFlagCode, AuditReport, HolderAudit, StatementFlag
from broker.payments.budget import BudgetStatement
from broker.payments.models import Payment, PaymentMethod, PaymentStatus, Refund
from broker.payments.reading import visible_payments
from broker.providers.graphql.types import ProviderNode

if TYPE_CHECKING:
    from broker.agreements.graphql.types import AgreementNode
    from broker.timesheets.graphql.types import TimesheetNode

PaymentMethodEnum = strawberry.enum(
    PaymentMethod,
    name="PaymentMethod",
    description="CARD goes through Stripe; BANK_TRANSFER, PAYROLL and PREPAID_CARD are recorded in the "
    "offline ledger as they appear on a statement.",
)
PaymentStatusEnum = strawberry.enum(
    PaymentStatus,
    name="PaymentStatus",
    description="PENDING → PROCESSING → SUCCEEDED or FAILED; refunds make it PARTIALLY_REFUNDED or REFUNDED.",
)
AuditFlagCodeEnum = strawberry.enum(AuditFlagCode, name="AuditFlagCode")


@strawberry.type(name="Refund", description="Money returned from a payment.")
class RefundType:
    amount_pence: strawberry.Private[int]
    amount, amount_pence_int = pence_fields("amount", "What was returned.")
    reason: str
    created_at: datetime

    @classmethod
    def from_model(cls, refund: Refund) -> RefundType:
        return cls(amount_pence=refund.amount_pence, reason=refund.reason, created_at=refund.created_at)


@strawberry.type(name="Payment", description="Money paid to a provider under an agreement, for one period.")
class PaymentNode(RowNode):
    id: relay.NodeID[int]
    status: PaymentStatusEnum  # type: ignore[valid-type]
    method: PaymentMethodEnum  # type: ignore[valid-type]
    period_start: date
    period_end: date
    hours: float
    amount_pence: strawberry.Private[int]
    amount, amount_pence_int = pence_fields("amount", "What was paid.")
    refunded_pence: strawberry.Private[int]
    refunded, refunded_pence_int = pence_fields("refunded", "What has been returned of it so far.")
    failure_reason: str | None = strawberry.field(
        description="Why a FAILED payment failed (e.g. card declined)."
    )
    supplementary_reason: str | None = strawberry.field(
        description="Why a supplementary payment pays days already paid; null for ordinary payments."
    )
    created_at: datetime
    updated_at: datetime
    model: strawberry.Private[Payment]

    @strawberry.field(description="Pays days already paid under the agreement (see `supplementaryReason`).")
    def supplementary(self) -> bool:
        return self.supplementary_reason is not None

    visible = visible_payments

    @strawberry.field
    async def agreement(
        self, info: Info
    ) -> Annotated[AgreementNode, strawberry.lazy("broker.agreements.graphql.types")]:
        from broker.agreements.graphql.types import AgreementNode

        node = await AgreementNode.referred_to(info, self.model.agreement_id)
        assert node is not None
        return node

    @strawberry.field(description="The approved timesheet it pays, if it was recorded against one.")
    async def timesheet(
        self, info: Info
    ) -> Annotated[TimesheetNode, strawberry.lazy("broker.timesheets.graphql.types")] | None:
        from broker.timesheets.graphql.types import TimesheetNode

        if self.model.timesheet_id is None:
            return None
        timesheet = await info.context.loaders.timesheet_by_id.load(self.model.timesheet_id)
        return TimesheetNode.from_model(timesheet) if timesheet else None

    @strawberry.field(description="Who was paid.")
    async def provider(self, info: Info) -> ProviderNode:
        provider = await info.context.loaders.provider_by_id.load(self.model.provider_id)
        assert provider is not None
        return ProviderNode.from_model(provider)

    @strawberry.field
    async def refunds(self, info: Info) -> list[RefundType]:
        rows = await info.context.loaders.refunds_by_payment_id.load(self.id)
        return [RefundType.from_model(r) for r in rows]


@strawberry.type(description="The DP year's allocation against what is spent and still committed.")
class BudgetForecast:
    year_start: date
    year_end: date
    allocated_pence: strawberry.Private[int]
    allocated, allocated_pence_int = pence_fields(
        "allocated", "The weekly budget x the weeks of the DP year."
    )
    spent_to_date_pence: strawberry.Private[int]
    spent_to_date, spent_to_date_pence_int = pence_fields(
        "spent_to_date", "Spent from 1 April to the statement's end."
    )
    still_committed_pence: strawberry.Private[int]
    still_committed, still_committed_pence_int = pence_fields(
        "still_committed",
        "What ACTIVE agreements will cost from the day after the statement to the year's end.",
    )
    projected_spend_pence: strawberry.Private[int]
    projected_spend, projected_spend_pence_int = pence_fields(
        "projected_spend", "Spent to date + still committed."
    )
    projected_unspent_pence: strawberry.Private[int]
    projected_unspent, projected_unspent_pence_int = pence_fields(
        "projected_unspent", "Negative when the budget will run short."
    )


@strawberry.type(name="BudgetStatement", description="A DP holder's money over a period.")
class BudgetStatementType:
    holder: DPHolderNode
    period_from: date = strawberry.field(name="from")
    period_to: date = strawberry.field(name="to")
    allocated_pence: strawberry.Private[int]
    allocated, allocated_pence_int = pence_fields(
        "allocated", "Weekly personal budget x weeks in the period."
    )
    committed_pence: strawberry.Private[int]
    committed, committed_pence_int = pence_fields(
        "committed", "Agreements' hours x rate for the days they run."
    )
    spent_pence: strawberry.Private[int]
    spent, spent_pence_int = pence_fields("spent", "Succeeded payments less refunds, by period start.")
    in_flight_pence: strawberry.Private[int]
    in_flight, in_flight_pence_int = pence_fields("in_flight", "Card payments not yet settled.")
    unspent_pence: strawberry.Private[int]
    unspent, unspent_pence_int = pence_fields("unspent", "Allocated - spent.")
    forecast: BudgetForecast

    @classmethod
    def from_statement(cls, s: BudgetStatement) -> BudgetStatementType:
        f = s.forecast
        return cls(
            holder=DPHolderNode.from_model(s.holder),
            period_from=s.period_from,
            period_to=s.period_to,
            allocated_pence=s.allocated_pence,
            committed_pence=s.committed_pence,
            spent_pence=s.spent_pence,
            in_flight_pence=s.in_flight_pence,
            unspent_pence=s.unspent_pence,
            forecast=BudgetForecast(
                year_start=f.year_start,
                year_end=f.year_end,
                allocated_pence=f.allocated_pence,
                spent_to_date_pence=f.spent_to_date_pence,
                still_committed_pence=f.still_committed_pence,
                projected_spend_pence=f.projected_spend_pence,
                projected_unspent_pence=f.projected_unspent_pence,
            ),
        )


@strawberry.type(name="AuditFlag", description="A payment that does not follow the agreement or the plan.")
class AuditFlagType:
    payment_id: relay.GlobalID
    code: AuditFlagCodeEnum  # type: ignore[valid-type]
    message: str

    @classmethod
    def from_flag(cls, flag: AuditFlag) -> AuditFlagType:
        return cls(
            payment_id=relay.GlobalID("Payment", str(flag.payment_id)), code=flag.code, message=flag.message
        )


@strawberry.type(
    name="StatementAuditFlag",
    description="A line of an imported DP account statement that does not follow the agreements or the plan.",
)
class StatementAuditFlagType:
    line_id: relay.GlobalID = strawberry.field(description="The StatementLine.")
    code: AuditFlagCodeEnum  # type: ignore[valid-type]
    message: str
    amount_pence: strawberry.Private[int]
    amount, amount_pence_int = pence_fields("amount", "Money out on the line.")

    @classmethod
    def from_flag(cls, flag: StatementFlag) -> StatementAuditFlagType:
        return cls(
            line_id=relay.GlobalID("StatementLine", str(flag.line_id)),
            code=flag.code,
            message=flag.message,
            amount_pence=flag.amount_pence,
        )


@strawberry.type(
    name="HolderAudit", description="One DP holder's year: spend, flags, and what may be reclaimed."
)
class HolderAuditType:
    holder: DPHolderNode
    allocated_pence: strawberry.Private[int]
    allocated, allocated_pence_int = pence_fields(
        "allocated", "The budget from the later of 1 April and set-up."
    )
    spent_pence: strawberry.Private[int]
    spent, spent_pence_int = pence_fields("spent", "Succeeded payments less refunds.")
    unspent_pence: strawberry.Private[int]
    unspent, unspent_pence_int = pence_fields("unspent", "Allocated - spent - statement spend.")
    contingency_pence: strawberry.Private[int]
    contingency, contingency_pence_int = pence_fields(
        "contingency", "Unspent money the person keeps for bills to come."
    )
    reclaimable_pence: strawberry.Private[int]
    reclaimable, reclaimable_pence_int = pence_fields(
        "reclaimable",
        "Unspent money (or the statement balance, where one adds up) above the contingency, plus recovery.",
    )
    payments: int
    flags: list[AuditFlagType]
    statement_spend_pence: strawberry.Private[int]
    statement_spend, statement_spend_pence_int = pence_fields(
        "statement_spend", "Money out on imported statements that no recorded payment accounts for."
    )
    statement_balance_pence: strawberry.Private[int | None]
    statement_balance, statement_balance_pence_int = pence_fields(
        "statement_balance",
        "The closing balance of the year's latest imported statement whose balances add up; when "
        "given, `reclaimable` is worked out from it instead of from recorded spend.",
        optional=True,
    )
    statement_balance_on: date | None = strawberry.field(description="The day of that balance.")
    recovery_pence: strawberry.Private[int]
    recovery, recovery_pence_int = pence_fields(
        "recovery", "Statement lines brokers marked for recovery: part of `reclaimable`."
    )
    statement_flags: list[StatementAuditFlagType]

    @classmethod
    def from_audit(cls, audit: HolderAudit) -> HolderAuditType:
        found = audit.statements
        return cls(
            statement_spend_pence=found.spend_pence,
            statement_balance_pence=found.closing_balance_pence,
            statement_balance_on=found.closing_balance_on,
            recovery_pence=found.recovery_pence,
            statement_flags=[StatementAuditFlagType.from_flag(f) for f in found.flags],
            holder=DPHolderNode.from_model(audit.holder),
            allocated_pence=audit.allocated_pence,
            spent_pence=audit.spent_pence,
            unspent_pence=audit.unspent_pence,
            contingency_pence=audit.contingency_pence,
            reclaimable_pence=audit.reclaimable_pence,
            payments=audit.payments,
            flags=[AuditFlagType.from_flag(f) for f in audit.flags],
        )


@strawberry.type(name="AnnualAudit", description="A council's DP year audited, holder by holder.")
class AnnualAuditType:
    year: int
    year_start: date
    year_end: date
    contingency_weeks: float
    reclaimable_pence: strawberry.Private[int]
    reclaimable, reclaimable_pence_int = pence_fields("reclaimable", "Reclaimable from every holder audited.")
    flagged_payments: int
    flagged_statement_lines: int
    holders: list[HolderAuditType]

    @classmethod
    def from_report(cls, report: AuditReport) -> AnnualAuditType:
        return cls(
            year=report.year,
            year_start=report.year_start,
            year_end=report.year_end,
            contingency_weeks=report.contingency_weeks,
            reclaimable_pence=report.reclaimable_pence,
            flagged_payments=report.flagged_payments,
            flagged_statement_lines=report.flagged_statement_lines,
            holders=[HolderAuditType.from_audit(h) for h in report.holders],
        )
