"""The questionnaire imported from content/assessment/ (stable keys) and the organisations'
assessments: one open per organisation at a time, its answers, and the scores frozen at
submission so later edits of the questionnaire never change a past result."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.extensions import db

STATUSES = ("open", "submitted")


class Questionnaire(db.Model):
    """The questionnaire's own texts (title and introduction, the self-rating's heading)."""

    __tablename__ = "assessment_questionnaires"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    titles: Mapped[dict] = mapped_column(JSON, default=dict)
    intros: Mapped[dict] = mapped_column(JSON, default=dict)
    self_titles: Mapped[dict] = mapped_column(JSON, default=dict)
    self_descriptions: Mapped[dict] = mapped_column(JSON, default=dict)


class Dimension(db.Model):
    __tablename__ = "assessment_dimensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    titles: Mapped[dict] = mapped_column(JSON, default=dict)
    descriptions: Mapped[dict] = mapped_column(JSON, default=dict)
    # What addresses a gap here: course competences and mentor expertise.
    digcomp: Mapped[list] = mapped_column(JSON, default=list)
    greencomp: Mapped[list] = mapped_column(JSON, default=list)
    expertise: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)


class AssessmentQuestion(db.Model):
    __tablename__ = "assessment_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    # None for the respondent's self-rating on a DigComp area.
    dimension_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessment_dimensions.id"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(12))  # single | multiple | scale
    optional: Mapped[bool] = mapped_column(default=False)
    options: Mapped[list] = mapped_column(JSON, default=list)  # [{"key", "score"}]
    # {locale: {"text", "help"?, "options": {key: text}} or {"text", "help"?, "scale": [0, 5]}}
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)

    dimension: Mapped[Dimension | None] = relationship()

    @property
    def self_rating(self) -> bool:
        return self.dimension_id is None


class Assessment(db.Model):
    """One organisation's self-assessment: open while its members answer, then submitted."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="open")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {dimension key: 0-100}, frozen when submitted.
    scores: Mapped[dict] = mapped_column(JSON, default=dict)

    answers: Mapped[list["Answer"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # One open assessment per organisation, enforced by the database.
        Index(
            "uq_assessments_open_per_organisation",
            "organisation_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_assessments_submitted", "status", "submitted_at"),
    )


class Answer(db.Model):
    """The organisation's answer to one question (whoever answered it last)."""

    __tablename__ = "assessment_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("assessment_questions.id"))
    # An option key (single), a list of option keys (multiple) or 0-5 (scale).
    value: Mapped[object] = mapped_column(JSON)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assessment: Mapped[Assessment] = relationship(back_populates="answers")

    __table_args__ = (UniqueConstraint("assessment_id", "question_id"),)


class SelfRating(db.Model):
    """A respondent's rating of their own skills on one DigComp area (0-5): the person's, not
    the organisation's."""

    __tablename__ = "assessment_self_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("assessment_questions.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[int]
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("assessment_id", "question_id", "user_id"),)
