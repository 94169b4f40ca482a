"""Helpers that start the product's real processes for tests."""
