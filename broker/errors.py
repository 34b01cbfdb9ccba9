"""The domain errors that services raise and the GraphQL layer turns into `userErrors`.

    BrokerError                 anything a user did that we refuse; carries one or more FieldErrors
     ├── InvalidInput           the input breaks a rule (bad postcode, slot ends before it starts)
     ├── NotFound               no such object, or not one the actor may see
     ├── PermissionDenied       the actor may not do this to this object
     ├── Conflict               the object's state forbids it (publishing an incomplete listing)
     └── AuthenticationFailed   wrong email or password, too many attempts, or a locked account

Anything that is not a BrokerError is a bug: the API masks it and logs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    TOO_LONG = "TOO_LONG"
    OUT_OF_RANGE = "OUT_OF_RANGE"
    UNKNOWN_POSTCODE = "UNKNOWN_POSTCODE"
    UNKNOWN_CODE = "UNKNOWN_CODE"
    OVERLAPPING = "OVERLAPPING"
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INCOMPLETE = "INCOMPLETE"
    INVALID_STATE = "INVALID_STATE"
    DUPLICATE = "DUPLICATE"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    ACCOUNT_LOCKED = "ACCOUNT_LOCKED"
    COMMON_PASSWORD = "COMMON_PASSWORD"
    SEARCH_UNAVAILABLE = "SEARCH_UNAVAILABLE"
    # Domain words for what INVALID_STATE, UNKNOWN_CODE and DUPLICATE used to say for everything, so a
    # client can tell a race for a PA's hours from a wrong status (issue 10).
    CAPACITY_TAKEN = "CAPACITY_TAKEN"
    NOT_ACCREDITED = "NOT_ACCREDITED"
    PLAN_NOT_OPEN = "PLAN_NOT_OPEN"
    NO_COVERING_CONTRACT = "NO_COVERING_CONTRACT"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    UNKNOWN_SERVICE = "UNKNOWN_SERVICE"


@dataclass(frozen=True)
class FieldError:
    """One problem with one input field; `field` is a path such as `input.slots.2.end`."""

    field: str | None
    message: str
    code: ErrorCode


class BrokerError(Exception):
    default_code = ErrorCode.INVALID

    def __init__(
        self,
        message: str | None = None,
        *,
        field: str | None = None,
        code: ErrorCode | None = None,
        errors: list[FieldError] | None = None,
    ) -> None:
        if errors is None:
            errors = [FieldError(field, message or "Invalid input.", code or self.default_code)]
        self.errors = errors
        super().__init__("; ".join(e.message for e in errors))


class InvalidInput(BrokerError):
    default_code = ErrorCode.INVALID


class NotFound(BrokerError):
    default_code = ErrorCode.NOT_FOUND


class PermissionDenied(BrokerError):
    default_code = ErrorCode.PERMISSION_DENIED


class Conflict(BrokerError):
    default_code = ErrorCode.INVALID_STATE


class AuthenticationFailed(BrokerError):
    default_code = ErrorCode.INVALID_CREDENTIALS


class Problems:
    """Collects every field problem in an input so the user hears about all of them at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str | None, message: str, code: ErrorCode = ErrorCode.INVALID) -> None:
        self.errors.append(FieldError(field, message, code))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(errors=self.errors)
