"""What each kind of notification says: one plain sentence, never a name or a care detail, so it can
go by email (which leaves our systems) and show on a locked phone screen."""

from __future__ import annotations

from broker.notifications.models import NotificationKind as K

SUBJECTS: dict[K, str] = {
    K.REQUEST_SENT: "You have a new care request",
    K.REQUEST_ACCEPTED: "A care request was accepted",
    K.REQUEST_DECLINED: "A care request was declined",
    K.REQUEST_EXPIRING: "A care request expires soon without an answer",
    K.AGREEMENT_ACTIVATED: "An agreement is now active",
    K.AGREEMENT_ENDING: "An agreement is ending",
    K.CHECK_EXPIRING: "An accreditation check expires in 30 days",
    K.CHECK_LAPSED: "An accreditation check has lapsed",
    K.PAYMENT_FAILED: "A payment failed",
    K.TIMESHEET_WAITING: "A timesheet is waiting for you",
    K.SUBCONTRACT_PROPOSED: "A subcontract was proposed",
    K.REFERRAL_ROUTED: "A DP support referral was routed",
    K.NEW_MESSAGE: "You have a new message",
    K.MESSAGE_REPORTED: "A message was reported to the council",
}


def subject(kind: K) -> str:
    return SUBJECTS[kind]


def email_body(kind: K, url: str) -> str:
    return (
        f"{subject(kind)}.\n\n"
        f"Sign in to see it: {url}\n\n"
        "This email says only what happened; the details are behind the link, for the people who may see "
        "them. You can choose which emails you get on your notification settings.\n"
    )
