"""GraphQL for timesheets: types, `timesheets`, `lateTimesheets`, `payrollExport` and the mutations."""

from broker.timesheets.graphql.mutations import TimesheetMutations
from broker.timesheets.graphql.queries import TimesheetQueries
from broker.timesheets.graphql.types import TimesheetNode

__all__ = ["TimesheetMutations", "TimesheetNode", "TimesheetQueries"]
