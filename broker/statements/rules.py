"""Limits on statements and the windows reconciliation uses, with the reasons behind the numbers."""

from __future__ import annotations

# A DP account sees a few hundred transactions a year; the largest card accounts a few thousand. A
# file of 5 MB or 50,000 lines is ten years of the busiest account, or a mistake: refused before it is
# read, so one request can never hold the server. (Through /graphql as text in the request, the body
# limit, BROKER_MAX_BODY_BYTES, 1 MB by default, comes first: about 15,000 lines; as a multipart
# upload, BROKER_MAX_UPLOAD_BYTES, 6 MB by default, which holds the largest file taken here.)
MAX_FILE_CHARACTERS = 5_000_000
# A file read as bytes (an upload, the command line) is read no further than this: four bytes a
# character at most in UTF-8.
MAX_FILE_BYTES = 4 * MAX_FILE_CHARACTERS
MAX_LINES = 50_000
# Problems reported for one file; the rest are counted, so a wrong format gives one page, not 50,000.
MAX_REPORTED_PROBLEMS = 50
# No single DP transaction is near £1m; more is a misplaced column (an account number read as money).
MAX_LINE_PENCE = 100_000_000
TEXT_MAX = 200
HEADER_MAX = 100
# Lines are dated from 2000 (DPs began in 1997, exports rarely go back further) to the day of import.
EARLIEST_LINE_YEAR = 2000
# Balance mismatches kept on the statement: enough to find the first few, bounded whatever the file.
MAX_MISMATCH_LINES = 100
REASON_MAX = 500

# Reconciliation windows. A payment recorded for a period leaves the account from a week before the
# period starts (paid in advance) to three weeks after it ends (monthly pay runs, invoices paid late).
PAYMENT_EARLY_DAYS = 7
PAYMENT_LATE_DAYS = 21
# The last invoice of an agreement is paid after its end date: up to this many days later is still
# care under it, later is AFTER_AGREEMENT_ENDED.
FINAL_INVOICE_DAYS = 28
# A line pays for the days since the agreement's previous line (or its start), taken as one week at
# least and five (the longest pay period, broker.payments.rules.MAX_PERIOD_DAYS) at most.
SHORTEST_PAY_DAYS = 7
# A payee names a provider when similarity (broker/statements/payees.py) reaches this.
PAYEE_MATCH = 0.9
# A reference links a line to a payment's own key only when it is at least this long.
REFERENCE_MIN = 4
