"""Shared vocabularies: the service taxonomy and the languages a listing can name."""
