"""Workshops, registrations (with the waiting list) and the material trainers publish."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.db import UTCDateTime, utcnow
from app.extensions import db

KINDS = ("workshop", "training", "webinar", "mentoring_circle")
MODES = ("online", "in_person")
STATUSES = ("draft", "published", "cancelled")


class Workshop(db.Model):
    __tablename__ = "workshops"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(100), unique=True)  # iCalendar UID
    sequence: Mapped[int] = mapped_column(default=0)  # raised when time or place changes
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    titles: Mapped[dict] = mapped_column(JSON, default=dict)  # {locale: text}
    descriptions: Mapped[dict] = mapped_column(JSON, default=dict)  # {locale: text}
    language: Mapped[str] = mapped_column(String(8))  # the language it is held in
    kind: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(12))
    meeting_url: Mapped[str | None] = mapped_column(String(500))  # shown to participants only
    venue: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))  # the organiser's, for entering times
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column()
    seats_taken: Mapped[int] = mapped_column(default=0)  # guarded by a conditional UPDATE
    registration_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    # Empty lists: open to all; otherwise members of these organisations or these countries.
    audience_organisations: Mapped[list] = mapped_column(JSON, default=list)
    audience_countries: Mapped[list] = mapped_column(JSON, default=list)
    course_keys: Mapped[list] = mapped_column(JSON, default=list)
    digcomp: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    organiser: Mapped[User] = relationship()

    __table_args__ = (
        # The database itself never lets a workshop hold more people than its places.
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_in_range"),
    )


class Registration(db.Model):
    __tablename__ = "workshop_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # registered | waitlisted | cancelled
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the person joined the waiting list (first come, first served) or got a place.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance: Mapped[str | None] = mapped_column(String(10))  # attended | absent
    rating: Mapped[int | None] = mapped_column()
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workshop: Mapped[Workshop] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("workshop_id", "user_id", name="uq_workshop_registrations_person"),
        Index("ix_workshop_registrations_queue", "workshop_id", "status", "queued_at"),
    )


class Material(db.Model):
    """A file a trainer published, for a workshop or a course module; stored by content hash."""

    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int | None] = mapped_column(
        ForeignKey("workshops.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_modules.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))
    participants_only: Mapped[bool] = mapped_column(default=False)
    filename: Mapped[str] = mapped_column(String(200))  # cleaned, for the download only
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
