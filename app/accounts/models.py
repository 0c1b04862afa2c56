"""Users, roles, organisations, sessions, sign-in attempts and the audit trail."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.extensions import db

ORGANISATION_KINDS = (
    "sme",
    "social_enterprise",
    "cooperative",
    "association",
    "second_tier",
    "tech_sme",
)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    country: Mapped[str] = mapped_column(String(8))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # A proposed organisation is usable by whoever proposed it and listed for coordinators.
    approved: Mapped[bool] = mapped_column(default=False)
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped["Organisation | None"] = relationship(remote_side=[id])

    __table_args__ = (UniqueConstraint("name", "country", name="uq_organisations_name_country"),)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    country: Mapped[str] = mapped_column(String(8))
    # The organisation the person belongs to, or has asked to join: membership counts only once
    # granted (by its manager, a coordinator, or an invitation), never merely chosen.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    organisation_granted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    organisation_granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    locale: Mapped[str] = mapped_column(String(8), default="en")
    # Read before the built-in fallback chain when a text is missing in `locale`; None: no choice.
    second_locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Brussels")
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str] = mapped_column(String(32))
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consent_locale: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Erasure asked for by the person: carried out at erasure_due_at by a scheduled job unless
    # the person signs in before then (accounts.services.request_erasure).
    erasure_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erasure_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    organisation_granted_by: Mapped["User | None"] = relationship(
        foreign_keys=[organisation_granted_by_id], remote_side=[id]
    )
    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="UserRole.user_id",
    )

    # Set by the user loader or at sign-in: the server-side session this request runs under.
    session_token = None

    def get_id(self) -> str:
        if not self.session_token:
            raise RuntimeError("user has no server-side session")
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def role_names(self) -> set[str]:
        return {role.role for role in self.roles}

    @property
    def member_organisation_id(self) -> int | None:
        """The organisation whose membership was granted; a pending request counts for nothing."""
        return self.organisation_id if self.organisation_granted_at is not None else None

    @property
    def membership_pending(self) -> bool:
        return self.organisation_id is not None and self.organisation_granted_at is None

    def has_role(self, role: str) -> bool:
        return role == "learner" or role in self.role_names


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="roles", foreign_keys=[user_id])


class UserSession(db.Model):
    """A signed-in browser; deleting the row signs that browser out everywhere at once."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """A failed sign-in, counted per account and per address across all workers."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_login_attempts_scope_key_at", "scope", "key", "attempted_at"),)
