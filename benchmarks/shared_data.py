"""Where the team's reference data lives: BROKER_SHARED_DATA, else `../shared/data` beside the checkout.

Nothing else is guessed: a clone elsewhere sets BROKER_SHARED_DATA (CI's `.ci/run` does), and a
test or benchmark that needs a file says which variable to set when it is missing.
"""

from __future__ import annotations

import os
from pathlib import Path

BESIDE_CHECKOUT = Path(__file__).resolve().parents[2] / "shared" / "data"


def shared_data() -> Path:
    configured = os.environ.get("BROKER_SHARED_DATA")
    path = Path(configured) if configured else BESIDE_CHECKOUT
    if not path.is_dir():
        raise FileNotFoundError(
            f"The team's reference data is not at {path}: set BROKER_SHARED_DATA to the folder holding "
            "uk-outcodes.csv and the Open Referral schemas (the `shared/data` folder of the team's share)."
        )
    return path
