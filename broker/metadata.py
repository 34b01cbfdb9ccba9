"""Every table of every capability, imported once so Alembic and tests see the whole schema."""

from sqlmodel import SQLModel

from broker.accounts import models as accounts  # noqa: F401
from broker.geography import models as geography  # noqa: F401
from broker.providers import models as providers  # noqa: F401
from search import outbox  # noqa: F401

metadata = SQLModel.metadata
