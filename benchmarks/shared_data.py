"""Where the team's reference data lives: `../shared/data` beside the checkout, unless
BROKER_SHARED_DATA says otherwise (a clone elsewhere, e.g. on CI, still finds /work/shared/data)."""

from __future__ import annotations

import os
from pathlib import Path

_CANDIDATES = [
    Path(__file__).resolve().parents[2] / "shared" / "data",
    Path("/work/shared/data"),
]


def shared_data() -> Path:
    configured = os.environ.get("BROKER_SHARED_DATA")
    if configured:
        return Path(configured)
    for candidate in _CANDIDATES:
        if candidate.exists():
            return candidate
    return _CANDIDATES[0]
