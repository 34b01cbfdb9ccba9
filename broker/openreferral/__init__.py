"""The Open Referral UK (HSDS 3.0 UK profile) feed: published, accredited listings as open data."""
