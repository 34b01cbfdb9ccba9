"""Councils' satisfaction surveys of DP support services, and the answers aggregated for commissioners."""
