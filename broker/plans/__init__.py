"""Care and support plans: outcomes, needs with their weekly schedule, preferences, and read audit."""
