"""Column shapes every capability's tables share, so a table says what a column means, not how."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy import Enum as SAEnum


def stored_enum(enum: type[StrEnum], length: int = 32) -> SAEnum:
    """An enum kept as its member's name in a plain string column: a new member needs no ALTER TYPE
    on PostgreSQL, and SQLite and PostgreSQL store the same text."""
    return SAEnum(enum, native_enum=False, length=length)


def part_of(parent: str) -> Column[int]:
    """The key of the row this one belongs to; it goes when its parent goes."""
    return Column(Integer, ForeignKey(parent, ondelete="CASCADE"), nullable=False, index=True)
