"""Courses imported from content/ (keyed by stable keys) and each learner's progress."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.extensions import db


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    level: Mapped[str] = mapped_column(String(20))
    minutes: Mapped[int]
    digcomp: Mapped[list] = mapped_column(JSON, default=list)
    greencomp: Mapped[list] = mapped_column(JSON, default=list)
    prerequisites: Mapped[list] = mapped_column(JSON, default=list)
    # {locale: text}; a course exists in the languages that have a title.
    titles: Mapped[dict] = mapped_column(JSON, default=dict)
    summaries: Mapped[dict] = mapped_column(JSON, default=dict)
    position: Mapped[int] = mapped_column(default=0)
    # False once the course left content/: hidden from the catalog, history kept.
    active: Mapped[bool] = mapped_column(default=True)

    modules: Mapped[list["Module"]] = relationship(
        back_populates="course", order_by="Module.position"
    )

    @property
    def twin_transition(self) -> bool:
        return bool(self.greencomp)

    @property
    def locales(self) -> list[str]:
        return sorted(self.titles)


class Module(db.Model):
    __tablename__ = "course_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    titles: Mapped[dict] = mapped_column(JSON, default=dict)
    pass_mark: Mapped[int] = mapped_column(default=70)
    active: Mapped[bool] = mapped_column(default=True)

    course: Mapped[Course] = relationship(back_populates="modules")
    lessons: Mapped[list["Lesson"]] = relationship(
        back_populates="module", order_by="Lesson.position"
    )
    questions: Mapped[list["Question"]] = relationship(
        back_populates="module", order_by="Question.position"
    )

    __table_args__ = (UniqueConstraint("course_id", "key", name="uq_course_modules_course_key"),)


class Lesson(db.Model):
    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    titles: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)

    module: Mapped[Module] = relationship(back_populates="lessons")

    __table_args__ = (UniqueConstraint("course_id", "key", name="uq_lessons_course_key"),)


class LessonText(db.Model):
    """A lesson in one language, rendered and sanitised at sync time."""

    __tablename__ = "lesson_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(300))
    html: Mapped[str] = mapped_column(Text)
    words: Mapped[int] = mapped_column(default=0)
    source_hash: Mapped[str] = mapped_column(String(64))
    # True when the English lesson changed after this translation was last changed.
    outdated: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        UniqueConstraint("lesson_id", "locale", name="uq_lesson_texts_lesson_locale"),
    )


class Question(db.Model):
    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(default=0)
    multiple: Mapped[bool] = mapped_column(default=False)
    texts: Mapped[dict] = mapped_column(JSON, default=dict)
    # [{"key", "correct", "texts": {locale: text}, "feedback": {locale: text}}] in order
    options: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)

    module: Mapped[Module] = relationship(back_populates="questions")

    __table_args__ = (UniqueConstraint("module_id", "key", name="uq_quiz_questions_module_key"),)


class Enrolment(db.Model):
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a trainer or coordinator records a face-to-face completion.
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completion_note: Mapped[str | None] = mapped_column(Text)

    course: Mapped[Course] = relationship()
    last_lesson: Mapped[Lesson | None] = relationship()

    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_enrolments_user_course"),)


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds_spent: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        UniqueConstraint("user_id", "lesson_id", name="uq_lesson_progress_user_lesson"),
    )


class QuizAttempt(db.Model):
    """One submitted knowledge check; every attempt is kept."""

    __tablename__ = "quiz_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("course_modules.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locale: Mapped[str] = mapped_column(String(8))
    score: Mapped[int]  # percent of questions answered right
    passed: Mapped[bool]
    # {question_key: [option keys chosen]}
    answers: Mapped[dict] = mapped_column(JSON, default=dict)


class Certificate(db.Model):
    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locale: Mapped[str] = mapped_column(String(8))
    # What the certificate shows, frozen when it was issued.
    holder_name: Mapped[str] = mapped_column(String(120))
    course_title: Mapped[str] = mapped_column(String(300))
    competences: Mapped[list] = mapped_column(JSON, default=list)
    # Withdrawn when the holder's account was erased: the code no longer proves anything about
    # a person (the row stays for the programme's counts).
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_certificates_user_course"),)
