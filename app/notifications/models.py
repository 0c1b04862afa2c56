"""The outbox: every message the portal sends is a row here first."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, utcnow
from app.extensions import db

# pending -> claimed -> sending -> sent; a failed send goes back to pending with a later due_at;
# void: no longer wanted (a cancelled session); unknown: the process died mid-send (not resent);
# failed: gave up after the last retry.
STATUSES = ("pending", "claimed", "sending", "sent", "void", "unknown", "failed")


class OutboxMessage(db.Model):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # De-duplication key, for example "booking:42:reminder-24h": a message is planned once.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    # What renders it: a renderer registered under this name builds the e-mail when it is sent.
    kind: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),)
