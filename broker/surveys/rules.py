"""Limits on surveys and their answers, with the reasons behind the numbers."""

from __future__ import annotations

# A satisfaction survey people finish is short: a council's usual DP support survey has under ten
# questions; twenty is the most we accept.
MAX_QUESTIONS = 20
TITLE_MAX = 200
QUESTION_MAX = 300
ANSWER_MAX = 2_000
# People are asked once the service has had time to help: the council sets how long after their
# referral was accepted (`Survey.invite_after_days`), from the same day to a year.
MAX_INVITE_AFTER_DAYS = 366
LOWEST_RATING = 1
HIGHEST_RATING = 5
