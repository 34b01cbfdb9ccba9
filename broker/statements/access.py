"""Who sees a DP account's statements and who imports or resolves them: the one home of these rules.

A statement is the holder's bank or card account: the holder, their representatives and their
council's staff see it (platform admins see all); providers never do, not even the lines that paid
them. Importing one is for those who pay from the account (`broker.payments.access.payer_clause`);
resolving a line is the council's audit decision, for the staff who audit (`may_audit`).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlmodel import col

from broker.access import scoped
from broker.accounts.actor import Actor
from broker.payments.access import may_audit, may_pay_for
from broker.statements.models import AccountStatement, StatementLine


def line_visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the statement lines `actor` may read (no provider column is named: providers see none)."""
    return scoped(actor, council=col(StatementLine.council_id), holder=col(StatementLine.holder_id))


def statement_visible_clause(actor: Actor | None) -> ColumnElement[bool]:
    """SQL: the imported statements `actor` may read."""
    return scoped(actor, council=col(AccountStatement.council_id), holder=col(AccountStatement.holder_id))


may_import_for = may_pay_for
may_resolve = may_audit

__all__ = ["line_visible_clause", "may_import_for", "may_resolve", "statement_visible_clause"]
