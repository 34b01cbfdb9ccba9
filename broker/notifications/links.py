"""Where a notification points: a page of the web client, named by the object's global ID.

The link is all a notification carries besides its kind; the page it opens checks who may see what."""

from __future__ import annotations

import base64


def global_id(type_name: str, key: int) -> str:
    """The object's ID as the API writes it (`base64("Type:key")`)."""
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def care_request(request_id: int) -> str:
    return f"/care-requests/{global_id('CareRequest', request_id)}"


def agreement(agreement_id: int) -> str:
    return f"/agreements/{global_id('Agreement', agreement_id)}"


def provider(provider_id: int) -> str:
    return f"/providers/{global_id('Provider', provider_id)}"


def conversation(conversation_id: int) -> str:
    return f"/conversations/{global_id('Conversation', conversation_id)}"


def payment(payment_id: int) -> str:
    return f"/payments/{global_id('Payment', payment_id)}"


def subcontract(subcontract_id: int) -> str:
    return f"/subcontracts/{global_id('Subcontract', subcontract_id)}"


def referral(referral_id: int) -> str:
    return f"/support-referrals/{global_id('SupportReferral', referral_id)}"


def timesheet(timesheet_id: int) -> str:
    return f"/timesheets/{global_id('Timesheet', timesheet_id)}"


NOTIFICATIONS = "/notifications"
