"""The numbers behind reviews and the listing's score, with their reasons."""

from __future__ import annotations

# A review says how care went, so it waits until there has been care to judge: four weeks of an
# ACTIVE agreement (counted from the later of its start date and the day it became ACTIVE), or an
# agreement that has ended.
ACTIVE_DAYS_BEFORE_REVIEW = 28
# One review per agreement per six months: often enough to say things changed, not so often that one
# household can swamp a listing's score.
DAYS_BETWEEN_REVIEWS = 182
# Ratings are the homecare.co.uk scale: 1 (very poor) to 5 (excellent).
LOWEST_RATING = 1
HIGHEST_RATING = 5
# A comment is a paragraph or two; longer is a letter to the council, which has its own complaints route.
COMMENT_MAX = 2_000
REPLY_MAX = 2_000
REASON_MAX = 500
# The score: over the published reviews submitted in the last 24 months (730 days), the mean of every
# rating (six per review) times two, so 5/5 everywhere is 10.0 and 1/5 everywhere is 2.0; rounded half
# up to one decimal place. Fewer than three such reviews show no score: one or two voices are an
# anecdote, and a single review would let its author be picked out.
SCORE_WINDOW_DAYS = 730
MIN_REVIEWS_FOR_SCORE = 3
# Matching gives a provider without a score the middle of the scale, neither rewarded nor punished.
UNSCORED_MATCH_VALUE = 0.5
