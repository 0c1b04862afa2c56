"""Outbox, reminder planning and the dispatcher that sends due messages exactly once."""
