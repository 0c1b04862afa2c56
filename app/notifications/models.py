"""The outbox: every message the portal sends is a row here first.

The table, planning and withdrawing live in core/outbox.py (every domain plans messages in its
own transactions); this domain sends them (services.py, the dispatcher) and plans reminders.
"""

from app.core.outbox import STATUSES, OutboxMessage  # noqa: F401 -- this domain's own names
