"""Accounts: users, roles, login and passwords."""
