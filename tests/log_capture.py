"""The `service_log` fixture: the log exactly as `broker serve` configures it, captured for a test."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from broker.logs import QUIET_LIBRARIES, configure_logging

TOUCHED = (*QUIET_LIBRARIES, "strawberry.execution", "uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture
def service_log() -> Iterator[io.StringIO]:
    """JSON lines at DEBUG, as `broker serve` writes them; every logger touched is restored after."""
    saved = {
        name: (logger.level, logger.propagate, logger.disabled, list(logger.handlers))
        for name in ("", *TOUCHED)
        for logger in [logging.getLogger(name)]
    }
    stream = io.StringIO()
    handler = configure_logging("DEBUG", stream=stream)
    yield stream
    logging.getLogger().removeHandler(handler)
    for name, (level, propagate, disabled, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.propagate, logger.disabled, logger.handlers = propagate, disabled, handlers
