"""Write content/assessment/ into the database, idempotently: questions keep their rows (and so
their answers) by key; a question or dimension that left the content is deactivated, never
deleted."""

from sqlalchemy import select

from app.core.content import update_changed
from app.extensions import db

from .loader import AssessmentSource, QuestionSource
from .models import AssessmentQuestion, Dimension, Questionnaire


def _row(model, existing: dict, key: str, changes: list[str], label: str):
    row = existing.pop(key, None)
    if row is None:
        row = model(key=key)
        db.session.add(row)
        changes.append(f"{label}: added")
    return row


def _question(
    source: QuestionSource, existing: dict, position: int, dimension, changes: list[str]
) -> None:
    question = _row(AssessmentQuestion, existing, source.key, changes, f"question {source.key}")
    update_changed(
        question,
        changes,
        f"question {source.key}",
        dimension_id=dimension.id if dimension else None,
        position=position,
        kind=source.kind,
        optional=source.optional,
        options=source.options,
        texts=source.texts,
        active=True,
    )


def sync_assessment(sources: list[AssessmentSource]) -> list[str]:
    """Import the questionnaire; return what changed (empty when nothing did). No commit."""
    changes: list[str] = []
    if not sources:
        return changes
    source = sources[0]
    questionnaires = {q.key: q for q in db.session.scalars(select(Questionnaire))}
    questionnaire = _row(Questionnaire, questionnaires, source.key, changes, "questionnaire")
    update_changed(
        questionnaire,
        changes,
        f"questionnaire {source.key}",
        titles=source.titles,
        intros=source.intros,
        self_titles=source.self_titles,
        self_descriptions=source.self_descriptions,
    )
    dimensions = {d.key: d for d in db.session.scalars(select(Dimension))}
    questions = {q.key: q for q in db.session.scalars(select(AssessmentQuestion))}
    position = 0
    for index, dimension_source in enumerate(source.dimensions):
        label = f"dimension {dimension_source.key}"
        dimension = _row(Dimension, dimensions, dimension_source.key, changes, label)
        update_changed(
            dimension,
            changes,
            label,
            position=index,
            titles=dimension_source.titles,
            descriptions=dimension_source.descriptions,
            digcomp=dimension_source.digcomp,
            greencomp=dimension_source.greencomp,
            expertise=dimension_source.expertise,
            active=True,
        )
        db.session.flush()
        for question_source in dimension_source.questions:
            _question(question_source, questions, position, dimension, changes)
            position += 1
    for question_source in source.self_rating:
        _question(question_source, questions, position, None, changes)
        position += 1
    for leftover, label in [(d, "dimension") for d in dimensions.values()] + [
        (q, "question") for q in questions.values()
    ]:
        if leftover.active:
            leftover.active = False
            changes.append(f"{label} {leftover.key}: removed from content (answers kept)")
    db.session.flush()
    return changes
