"""DP account statements: imported from a card or bank export, reconciled line by line against the
holder's payments and agreements, resolved by brokers and read by the annual audit."""
