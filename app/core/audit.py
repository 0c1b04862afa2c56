"""The audit trail every domain writes to: who did what to whom, and when (UTC). No secrets.

It lives in `core` because every domain records events (a sign-in, a content import, a denied
page) and `core` imports no domain; the people it names are users, referred to by key only.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.extensions import db


class AuditEvent(db.Model):
    """Append-only record of security-relevant actions: who, what, when (UTC). No secrets."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    detail: Mapped[str] = mapped_column(Text, default="")

    # "User" is the accounts model, named by the mapper registry (no import of accounts here).
    actor = relationship("User", foreign_keys=[actor_id])
    subject = relationship("User", foreign_keys=[subject_id])


def audit(action: str, actor=None, subject=None, detail: str = "") -> None:
    """Record an event; `actor` and `subject` are users (or None). The caller commits."""
    db.session.add(
        AuditEvent(
            action=action,
            actor_id=actor.id if actor else None,
            subject_id=subject.id if subject else None,
            detail=detail,
        )
    )


def record_denied_access(user, path: str) -> None:
    """A signed-in person asked for a page their roles do not open."""
    audit("access_denied", user, user, path[:200])
