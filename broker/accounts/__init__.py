"""Councils, users, roles, sign-in and bearer tokens."""
