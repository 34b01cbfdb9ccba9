"""The commissioner's capability: DP take-up against target, market gaps, the unmet-need ledger."""
