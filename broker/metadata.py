"""Every table of every capability, imported once so Alembic and tests see the whole schema."""

from sqlmodel import SQLModel

from broker.accounts import models as accounts  # noqa: F401
from broker.agreements import models as agreements  # noqa: F401
from broker.conversations import models as conversations  # noqa: F401
from broker.geography import models as geography  # noqa: F401
from broker.holders import models as holders  # noqa: F401
from broker.market import models as market  # noqa: F401
from broker.matching import indexes as matching  # noqa: F401
from broker.notifications import models as notifications  # noqa: F401
from broker.payments import models as payments  # noqa: F401
from broker.plans import models as plans  # noqa: F401
from broker.providers import models as providers  # noqa: F401
from broker.reviews import models as reviews  # noqa: F401
from broker.statements import models as statements  # noqa: F401
from broker.support import models as support  # noqa: F401
from broker.surveys import models as surveys  # noqa: F401
from broker.timesheets import models as timesheets  # noqa: F401
from search import outbox  # noqa: F401

metadata = SQLModel.metadata
