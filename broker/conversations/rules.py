"""What a message may say.

Plain text only: a message that looks like HTML (a tag, a comment, a doctype) is refused, not
escaped, so what is stored is exactly what the sender saw, and no page or email client that forgets
to escape can be made to run it. Contact details wait for acceptance: the platform does not pass an
email address or a phone number between a holder's side and a provider until the provider has
accepted the request (or an agreement exists), so nobody is contacted outside the service before
they chose to be; a message that carries one is refused with the reason, never silently masked.
"""

from __future__ import annotations

import re

from broker.errors import ErrorCode, Problems
from broker.hygiene import text_problem

BODY_MAX = 2_000
REASON_MAX = 500
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|<!--|<!\s*doctype|<\?", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+\s*(?:@|\(at\)|\[at\])\s*[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# UK numbers: 0 or +44 then 9 to 10 more digits, spaced, dashed or bracketed any way.
_PHONE = re.compile(r"(?:\+\s*44|\(?0)(?:[\s().-]*\d){9,10}(?!\d)")


def has_contact_details(text: str) -> bool:
    return bool(_EMAIL.search(text) or _PHONE.search(text))


def checked_body(body: str, *, contact_allowed: bool, field: str = "body") -> str:
    """The message as it will be stored, or every reason it cannot be."""
    problems = Problems()
    text = body.strip()
    problem = text_problem(text)
    if problem:
        problems.add(field, problem)
    elif not text:
        problems.add(field, "Write a message.", ErrorCode.REQUIRED)
    elif len(text) > BODY_MAX:
        problems.add(field, f"At most {BODY_MAX:,} characters.", ErrorCode.TOO_LONG)
    elif _HTML.search(text):
        problems.add(field, "Messages are plain text: remove the HTML.")
    elif not contact_allowed and has_contact_details(text):
        problems.add(
            field,
            "Email addresses and phone numbers can be shared once the provider has accepted the request.",
        )
    problems.raise_if_any()
    return text


def checked_reason(reason: str, field: str = "reason") -> str:
    problems = Problems()
    text = reason.strip()
    problem = text_problem(text)
    if problem:
        problems.add(field, problem)
    elif not text:
        problems.add(field, "Say what is wrong with the message.", ErrorCode.REQUIRED)
    elif len(text) > REASON_MAX:
        problems.add(field, f"At most {REASON_MAX} characters.", ErrorCode.TOO_LONG)
    problems.raise_if_any()
    return text
