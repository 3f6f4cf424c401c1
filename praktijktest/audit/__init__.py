"""The audit log: one append-only table, one service."""
