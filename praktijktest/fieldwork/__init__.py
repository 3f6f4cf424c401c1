"""Fieldwork: tests, the applications sent in them, and the responses."""
