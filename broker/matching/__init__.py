"""Matching providers to support plans: hard constraints, explainable scores, teams, batch allocation."""
