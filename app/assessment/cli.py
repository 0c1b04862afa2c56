"""The self-assessment's content source for `content check` and `content sync`."""

from app.core.content import ContentSource, content_source

from .loader import read_assessment
from .sync import sync_assessment


def _describe(sources) -> str:
    questions = sum(len(source.questions()) for source in sources)
    return f"{len(sources)} self-assessment(s), {questions} question(s)"


content_source(
    ContentSource(
        name="assessment",
        read=read_assessment,
        sync=sync_assessment,
        describe=_describe,
        order=20,
    )
)


# --- demo data ---------------------------------------------------------------------------------

# Member organisations of the demo networks, two per country, with a submitted assessment each
# (name, kind, country, parent network, how far along digitally: 0-1).
DEMO_MEMBERS = (
    ("Cooperativa Agricola Colline", "cooperative", "IT", "Rete Imprese Sociali Toscana", 0.35),
    ("Associazione Mani Unite", "association", "IT", "Rete Imprese Sociali Toscana", 0.55),
    ("Cooperativa La Sembra", "cooperative", "ES", "Social Economy Digital Network", 0.45),
    ("Fundació Pas a Pas", "association", "ES", "Social Economy Digital Network", 0.7),
    ("Biedrība Kopā", "association", "LV", "Social Economy Digital Network", 0.3),
    ("Sociālais Uzņēmums Ritms", "social_enterprise", "LV", "Social Economy Digital Network", 0.6),
    ("Kooperatyvas Žalias Kiemas", "cooperative", "LT", "Social Economy Digital Network", 0.4),
    ("Socialinė Įmonė Tiltai", "social_enterprise", "LT", "Social Economy Digital Network", 0.25),
    ("Kooperativet Vägen", "cooperative", "SE", "Social Economy Digital Network", 0.65),
    ("Föreningen Gemenskap", "association", "SE", "Social Economy Digital Network", 0.5),
    ("Coopérative Le Lien", "cooperative", "BE", "Social Economy Digital Network", 0.45),
    ("Entreprise Sociale Demain", "social_enterprise", "BE", "Social Economy Digital Network", 0.8),
)
# Each dimension's lead or lag on an organisation's overall level: data and green lag behind,
# as they usually do in the sector.
DIMENSION_BIAS = {
    "strategy": 0.0,
    "readiness": 0.15,
    "people": 0.0,
    "data": -0.2,
    "automation": -0.1,
    "green": -0.15,
}


def _answers_at(known, level: float, rng) -> dict:
    """Answers of an organisation at about `level` (0-1) in each dimension, varied a little."""
    values = {}
    for question in known.questions:
        if question.self_rating:
            continue
        bias = DIMENSION_BIAS.get(question.dimension.key if question.dimension else "", 0.0)
        here = min(1.0, max(0.0, level + bias + rng.uniform(-0.15, 0.15)))
        if question.optional and rng.random() < 0.3:
            continue  # skipped, as people do
        if question.kind == "scale":
            values[question.key] = round(here * 5)
        elif question.kind == "multiple":
            keys = [option["key"] for option in question.options]
            values[question.key] = keys[: round(here * len(keys))]
        else:
            options = sorted(question.options, key=lambda o: abs(o["score"] - here * 100))
            values[question.key] = options[0]["key"]
    return values


def _submitted(organisation_id: int, answers: dict, known, when, user_id=None) -> None:
    from app.extensions import db

    from . import scoring
    from .models import Answer, Assessment

    assessment = Assessment(
        organisation_id=organisation_id,
        status="submitted",
        started_by_id=user_id,
        started_at=when,
        updated_at=when,
        submitted_by_id=user_id,
        submitted_at=when,
        scores=scoring.dimension_scores(known.items, answers),
    )
    db.session.add(assessment)
    db.session.flush()
    by_key = known.by_key()
    db.session.add_all(
        Answer(
            assessment_id=assessment.id,
            question_id=by_key[key].id,
            value=value,
            answered_by_id=user_id,
            answered_at=when,
        )
        for key, value in answers.items()
    )


def seed_assessments(learner, now) -> str | None:
    """Two assessments months apart for the demo learner's organisation and one for each of a
    dozen member organisations across the six countries (once); describe what was done."""
    import random
    from datetime import timedelta

    from sqlalchemy import select

    from app.accounts.models import Organisation
    from app.extensions import db

    from .models import Assessment
    from .services import structure

    known = structure()
    if not known.dimensions:
        return None
    organisations = {o.name: o for o in db.session.scalars(select(Organisation))}
    done = set(db.session.scalars(select(Assessment.organisation_id).distinct()))
    made = 0
    own = learner.member_organisation_id if learner is not None else None
    if own is not None and own not in done:
        rng = random.Random(f"demo-{own}")
        _submitted(own, _answers_at(known, 0.3, rng), known, now - timedelta(days=180), learner.id)
        _submitted(own, _answers_at(known, 0.5, rng), known, now - timedelta(days=20), learner.id)
        made += 2
    for name, kind, country, parent, level in DEMO_MEMBERS:
        organisation = organisations.get(name)
        if organisation is None:
            organisation = Organisation(
                name=name,
                kind=kind,
                country=country,
                approved=True,
                parent=organisations.get(parent),
            )
            db.session.add(organisation)
            db.session.flush()
        if organisation.id in done:
            continue
        rng = random.Random(f"demo-{name}")
        when = now - timedelta(days=rng.randint(10, 150))
        _submitted(organisation.id, _answers_at(known, level, rng), known, when)
        made += 1
    db.session.flush()
    return f"{made} self-assessment(s)" if made else None
