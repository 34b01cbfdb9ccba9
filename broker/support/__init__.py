"""DP support services: lead contracts, subcontracts to the person's preferred provider, referrals."""
