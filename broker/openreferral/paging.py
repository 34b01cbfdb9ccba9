"""The profile's paging: `page` (from 1) and `per_page` in, the `Page` envelope out.

Bad values are refused rather than guessed at, so a client never silently walks the wrong pages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from broker.errors import ErrorCode, InvalidInput

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 100_000
_DIGITS = re.compile(r"^[0-9]{1,9}$")


@dataclass(frozen=True)
class PageRequest:
    number: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page


def _whole_number(params: Mapping[str, str], name: str, default: int, high: int) -> int:
    text = params.get(name)
    if text is None:
        return default
    if not _DIGITS.match(text.strip()):
        raise InvalidInput(f"{name} must be a whole number from 1 to {high}.", field=name)
    value = int(text)
    if not 1 <= value <= high:
        raise InvalidInput(
            f"{name} must be a whole number from 1 to {high}.", field=name, code=ErrorCode.OUT_OF_RANGE
        )
    return value


def page_request(params: Mapping[str, str]) -> PageRequest:
    """`page` and `per_page` from a query string; raises InvalidInput for anything else."""
    return PageRequest(
        number=_whole_number(params, "page", 1, MAX_PAGE),
        per_page=_whole_number(params, "per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE),
    )


def envelope(contents: Sequence[Any], *, total: int, page: PageRequest) -> dict[str, Any]:
    """The profile's `Page` object around one page of `contents`."""
    total_pages = math.ceil(total / page.per_page)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page.number,
        "size": len(contents),
        "first_page": page.number == 1,
        "last_page": page.number >= total_pages,
        "empty": total == 0,
        "contents": list(contents),
    }
