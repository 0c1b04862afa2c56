"""Mentors, their availability (in their own time zone) and the sessions learners book."""

from datetime import date, datetime, time

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, Time, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.db import UTCDateTime, utcnow
from app.extensions import db

SESSION_LENGTHS = (30, 45, 60, 90)
MODES = ("video", "phone", "in_person")
# Topics beside the five DigComp areas ("digcomp-1" ... "digcomp-5").
TOPICS = (
    "fundraising",
    "impact-measurement",
    "cybersecurity",
    "data-protection",
    "online-collaboration",
    "digital-marketing",
    "e-commerce",
    "green-digital",
    "governance",
)
EXPERTISE = tuple(f"digcomp-{area}" for area in range(1, 6)) + TOPICS
STATUSES = ("booked", "held", "missed", "cancelled")


class MentorProfile(db.Model):
    __tablename__ = "mentor_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    bios: Mapped[dict] = mapped_column(JSON, default=dict)  # {locale: text}
    languages: Mapped[list] = mapped_column(JSON, default=list)  # locales spoken
    expertise: Mapped[list] = mapped_column(JSON, default=list)  # keys of EXPERTISE
    country: Mapped[str] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16), default="video")
    meeting_url: Mapped[str | None] = mapped_column(String(500))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    session_minutes: Mapped[int] = mapped_column(default=60)
    buffer_before: Mapped[int] = mapped_column(default=0)
    buffer_after: Mapped[int] = mapped_column(default=15)
    min_notice_hours: Mapped[int] = mapped_column(default=24)
    horizon_days: Mapped[int] = mapped_column(default=42)
    max_per_day: Mapped[int | None] = mapped_column()  # None: no limit
    max_per_week: Mapped[int | None] = mapped_column()
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
    rules: Mapped[list["AvailabilityRule"]] = relationship(
        order_by="(AvailabilityRule.weekday, AvailabilityRule.start_time)",
        cascade="all, delete-orphan",
    )
    overrides: Mapped[list["AvailabilityOverride"]] = relationship(
        order_by="(AvailabilityOverride.day, AvailabilityOverride.start_time)",
        cascade="all, delete-orphan",
    )


class AvailabilityRule(db.Model):
    """A weekly range in the mentor's own time zone: Monday 09:00-12:00 stays 09:00-12:00."""

    __tablename__ = "availability_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column()  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)


class AvailabilityOverride(db.Model):
    """A date that differs from the week: extra hours, or time off (a whole day when no times)."""

    __tablename__ = "availability_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date)
    available: Mapped[bool] = mapped_column()  # True: extra hours; False: time off
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    note: Mapped[str | None] = mapped_column(String(200))


class Booking(db.Model):
    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(100), unique=True)  # iCalendar UID, never changes
    sequence: Mapped[int] = mapped_column(default=0)  # iCalendar SEQUENCE
    mentor_id: Mapped[int] = mapped_column(ForeignKey("mentor_profiles.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The time the mentor is taken, buffers included; no two live bookings of a mentor overlap.
    block_start: Mapped[datetime] = mapped_column(UTCDateTime)
    block_end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="booked")
    topic: Mapped[str] = mapped_column(String(200))
    goal: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(String(500))  # link, phone or address
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    rescheduled_to_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    notes_shared: Mapped[str] = mapped_column(Text, default="")  # the learner sees these
    action_items: Mapped[str] = mapped_column(Text, default="")  # the learner sees these
    notes_private: Mapped[str] = mapped_column(Text, default="")  # the mentor's only
    rating: Mapped[int | None] = mapped_column()
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    mentor: Mapped[MentorProfile] = relationship()
    learner: Mapped[User] = relationship(foreign_keys=[learner_id])

    __table_args__ = (
        # A cheap guard on both databases; PostgreSQL also excludes overlaps (see migration).
        Index(
            "uq_bookings_mentor_start_live",
            "mentor_id",
            "starts_at",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_bookings_mentor_block", "mentor_id", "block_start"),
    )


class SlotWaiter(db.Model):
    """A learner who asked to be told when a mentor with no free slot has one again."""

    __tablename__ = "slot_waiters"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_profiles.id", ondelete="CASCADE"), index=True
    )
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index(
            "uq_slot_waiters_waiting",
            "mentor_id",
            "learner_id",
            unique=True,
            sqlite_where=text("notified_at IS NULL"),
            postgresql_where=text("notified_at IS NULL"),
        ),
    )
