"""Targets: the organisation's registry of employers, landlords and agencies."""
