"""`importStatement` and `resolveStatementLine`: each takes one input, makes one service call."""

from __future__ import annotations

from typing import IO

import strawberry
from strawberry import relay
from strawberry.file_uploads import Upload

from broker.api.inputs import DecodesIds
from broker.api.mutations import MutationPayload, use_case
from broker.api.permissions import IsAuthenticated
from broker.errors import ErrorCode, InvalidInput
from broker.statements import importing, resolving
from broker.statements.formats import ColumnMapping, DateFormat, MoneyOut
from broker.statements.graphql.types import (
    AccountStatementNode,
    BalanceCheckType,
    StatementDateFormatEnum,
    StatementFormatEnum,
    StatementLineActionEnum,
    StatementLineNode,
    StatementMoneyOutEnum,
    StatementStatusCount,
)
from broker.statements.importing import ImportResult, StatementImport
from broker.statements.models import StatementFormat
from broker.statements.resolving import LineAction


@strawberry.input(
    description="The headers of a CUSTOM statement's columns. Give `amount` (one signed column) or "
    "`paidOut` and/or `paidIn` (unsigned); the others are optional."
)
class StatementColumnMappingInput:
    date: str
    payee: str
    amount: str | None = None
    paid_out: str | None = None
    paid_in: str | None = None
    reference: str | None = None
    merchant_category_code: str | None = None
    balance: str | None = None
    date_format: StatementDateFormatEnum = DateFormat.ISO  # type: ignore[valid-type]
    money_out: StatementMoneyOutEnum = strawberry.field(  # type: ignore[valid-type]
        default=MoneyOut.NEGATIVE, description="For `amount`: NEGATIVE (bank style) or POSITIVE (card style)."
    )

    def to_domain(self) -> ColumnMapping:
        return ColumnMapping(
            date=self.date,
            payee=self.payee,
            amount=self.amount,
            paid_out=self.paid_out,
            paid_in=self.paid_in,
            reference=self.reference,
            merchant_category_code=self.merchant_category_code,
            balance=self.balance,
            date_format=DateFormat(self.date_format),
            money_out=MoneyOut(self.money_out),
        )


@strawberry.input(
    description="A DP account statement export to import and reconcile: its CSV text as `file`, or the "
    "file itself as `upload` (a multipart request), one of the two."
)
class ImportStatementInput(DecodesIds):
    holder_id: relay.GlobalID
    format: StatementFormatEnum  # type: ignore[valid-type]
    file: str | None = strawberry.field(
        default=None,
        description="The CSV text, header row first, inside the request: at most 5,000,000 characters "
        "and 50,000 lines, and the request body limit (1 MB by default, about 15,000 lines) comes first; "
        "send a bigger statement as `upload`. A statement with any bad line imports nothing; problems "
        "with the file's content are reported at `input.file` whichever way it was sent.",
    )
    upload: Upload | None = strawberry.field(
        default=None,
        description="The CSV file as a multipart upload (the GraphQL multipart request spec), UTF-8: up "
        "to the upload limit (BROKER_MAX_UPLOAD_BYTES, 6 MB by default, for the whole request; beyond "
        "it HTTP 413, code UPLOAD_TOO_LARGE) and the statement limits of `file`.",
    )
    column_mapping: StatementColumnMappingInput | None = strawberry.field(
        default=None, description="CUSTOM only: which header holds what."
    )

    def _content(self) -> str | IO[bytes]:
        if (self.file is None) == (self.upload is None):
            raise InvalidInput(
                "Give the statement as `file` (its text) or as `upload` (the file), not both.",
                field="file",
                code=ErrorCode.REQUIRED,
            )
        if self.file is not None:
            return self.file
        readable = getattr(self.upload, "file", None)  # the multipart part, spooled by the server
        if readable is None or not callable(getattr(readable, "read", None)):
            raise InvalidInput("Send `upload` as a file part of a multipart request.", field="upload")
        return readable

    def to_command(self) -> dict[str, StatementImport]:
        return {
            "command": StatementImport(
                holder_id=self.key("holder_id", "DPHolder"),
                format=StatementFormat(self.format),
                file=self._content(),
                column_mapping=self.column_mapping.to_domain() if self.column_mapping else None,
            )
        }


@strawberry.input(description="A broker's decision on one statement line.")
class ResolveStatementLineInput(DecodesIds):
    line_id: relay.GlobalID
    action: StatementLineActionEnum  # type: ignore[valid-type]
    agreement_id: relay.GlobalID | None = strawberry.field(
        default=None, description="ATTACH_TO_AGREEMENT only: an agreement of the same DP holder."
    )
    reason: str | None = strawberry.field(
        default=None, description="Why (up to 500 characters); needed to ALLOW or RECOVER."
    )

    def to_command(self) -> dict[str, object]:
        return {
            "line_id": self.key("line_id", "StatementLine"),
            "action": LineAction(self.action),
            "agreement_id": self.optional_key("agreement_id", "Agreement"),
            "reason": self.reason,
        }


@strawberry.type
class ImportStatementPayload(MutationPayload):
    statement: AccountStatementNode | None = strawberry.field(
        default=None,
        description="The import, if it added lines; the earlier import of this very file, if it is one "
        "again; null for a file whose lines were all imported by others.",
    )
    lines_read: int = 0
    lines_added: int = 0
    lines_already_imported: int = strawberry.field(
        default=0, description="Lines imported before (this file again, or an overlapping one): unchanged."
    )
    balance_check: BalanceCheckType | None = strawberry.field(
        default=None, description="Null when the format states no balances."
    )
    added_by_status: list[StatementStatusCount] = strawberry.field(
        default_factory=list, description="How the added lines reconciled."
    )

    @classmethod
    def present(cls, result: ImportResult) -> ImportStatementPayload:
        return cls(
            statement=AccountStatementNode.from_model(result.statement) if result.statement else None,
            lines_read=result.lines_read,
            lines_added=result.lines_added,
            lines_already_imported=result.lines_already_imported,
            balance_check=BalanceCheckType.from_check(result.balance) if result.balance else None,
            added_by_status=[
                StatementStatusCount(status=status, lines=n)
                for status, n in sorted(result.added_by_status.items())
            ],
        )


@strawberry.type
class ResolveStatementLinePayload(MutationPayload):
    line: StatementLineNode | None = None


@strawberry.type
class StatementMutations:
    import_statement = use_case(
        ImportStatementInput,
        importing.import_statement,
        ImportStatementPayload,
        IsAuthenticated,
        "Council staff, the DP holder or a representative import a DP account statement; each new line "
        "is reconciled against the holder's payments and agreements. The same file again changes nothing.",
    )
    resolve_statement_line = use_case(
        ResolveStatementLineInput,
        resolving.resolve_statement_line,
        ResolveStatementLinePayload,
        IsAuthenticated,
        "A broker attaches a statement line to an agreement, allows it with a reason, or marks it for "
        "recovery; each decision is kept, who and when.",
    )
