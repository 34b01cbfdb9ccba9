"""Direct-payments provider marketplace and brokerage service."""
