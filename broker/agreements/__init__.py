"""Requests to providers and the agreements brokered from them; activation reserves capacity."""
