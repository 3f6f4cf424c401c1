"""Rounds: the design of a test round, its protocol and its status."""
