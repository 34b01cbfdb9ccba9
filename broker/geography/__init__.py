"""Postcode districts and their centroids: where providers are based and how far they travel."""
