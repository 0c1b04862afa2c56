"""The demo shows the texts trainers and mentors can enter in every language: each workshop's
title and description and each mentor's bio in all seven, material titled in its own language,
also in a database seeded by an earlier version of the demo."""

import re

import pytest
from sqlalchemy import select

from app.config import LOCALES
from app.extensions import db
from app.mentoring.models import MentorProfile
from app.workshops.models import Material, Workshop
from tests.conftest import in_app
from tests.test_i18n import TARGETS, visible_text

# What the demo wrote before issue 12 (English where the event's language had none).
OLD_TITLES = {
    "en": {
        "en": "Measuring impact together: a transnational workshop",
        "it": "Misurare l'impatto insieme: workshop transnazionale",
        "es": "Medir el impacto juntos: taller transnacional",
    },
    "lv": {"lv": "Kiberdrošības pamati biedrībām", "en": "Cybersecurity basics for associations"},
    "it": {
        "it": "Webinar: il cloud per le cooperative sociali",
        "en": "Webinar: the cloud for social cooperatives",
    },
    "sv": {
        "sv": "Mentorscirkel: digitala verktyg för cirkulär ekonomi",
        "en": "Mentoring circle: digital tools for the circular economy",
    },
    "ca": {
        "ca": "Taller: fulls de càlcul per a cooperatives",
        "es": "Taller: hojas de cálculo para cooperativas",
        "en": "Workshop: spreadsheets for cooperatives",
    },
}
OLD_DESCRIPTION = (
    "Practical, hands-on and in plain words: bring your own questions and examples from your "
    "organisation."
)
OLD_MATERIALS = {
    "slides.pdf": "Slides: spreadsheets for cooperatives",
    "templates.pdf": "Budget templates (participants only)",
}
OLD_BIOS = {
    "mentor@demo.doimpact.eu": {
        "lv": "Es palīdzu kooperatīviem un biedrībām sakārtot kontus, paroles un rezerves kopijas.",
        "en": "I help cooperatives and associations put accounts, passwords and backups in order.",
    },
    "mentor.es@demo.doimpact.eu": {
        "ca": "Ajudo cooperatives i entitats socials a mesurar i explicar el seu impacte.",
        "en": "I help cooperatives and social enterprises measure and tell their impact.",
    },
    "mentor.se@demo.doimpact.eu": {
        "sv": "Jag hjälper sociala företag att samarbeta digitalt och minska sitt klimatavtryck.",
        "en": "I help social enterprises work together online and cut their footprint.",
    },
}


def _seed(runner):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output


def _assert_in_every_language(texts: dict, what: str):
    assert set(texts) == set(LOCALES), f"{what}: {sorted(texts)}"
    assert all(text.strip() for text in texts.values()), what
    # Seven different texts: none is another language's text copied over.
    assert len(set(texts.values())) == len(LOCALES), what


def _assert_demo_complete(kept_description: int | None = None, kept_bios: int | None = None):
    """Every demo text in all languages, but for a description and bios someone changed."""
    workshops = db.session.scalars(select(Workshop)).all()
    assert len(workshops) == 5
    for workshop in workshops:
        _assert_in_every_language(workshop.titles, f"titles of {workshop.id}")
        if workshop.id != kept_description:
            _assert_in_every_language(workshop.descriptions, f"descriptions of {workshop.id}")
    english = {w.titles["en"] for w in workshops}
    materials = db.session.scalars(select(Material)).all()
    assert len(materials) == 3
    for material in materials:  # one title per material: in the language the event is held in
        workshop = db.session.get(Workshop, material.workshop_id)
        assert material.language == workshop.language
        if material.language != "en":
            assert material.title not in english and material.title not in OLD_MATERIALS.values()
    profiles = db.session.scalars(select(MentorProfile)).all()
    assert len(profiles) == 3
    for profile in profiles:
        if profile.id != kept_bios:
            _assert_in_every_language(profile.bios, f"bios of {profile.user.email}")


def test_demo_seed_gives_every_workshop_material_and_mentor_bio_a_text_in_all_languages(
    app, runner
):
    _seed(runner)
    _seed(runner)  # a second run changes nothing
    with in_app(app):
        _assert_demo_complete()


def test_demo_seed_updates_a_demo_seeded_by_the_old_code_but_keeps_texts_people_changed(
    app, runner
):
    _seed(runner)
    with in_app(app):
        # Put the database back as the old demo left it ...
        for workshop in db.session.scalars(select(Workshop)):
            workshop.titles = dict(OLD_TITLES[workshop.language])
            workshop.descriptions = {"en": OLD_DESCRIPTION}
        for material in db.session.scalars(select(Material)):
            material.title = OLD_MATERIALS.get(material.filename, material.title)
        for profile in db.session.scalars(select(MentorProfile)):
            profile.bios = dict(OLD_BIOS[profile.user.email])
        # ... where a trainer and a mentor have since written texts of their own.
        circle = db.session.scalar(select(Workshop).where(Workshop.language == "sv"))
        circle.descriptions = {"sv": "Vi bjuder på fika."}
        erik = db.session.scalar(select(MentorProfile).where(MentorProfile.country == "SE"))
        erik.bios = {**erik.bios, "it": "Parlo anche italiano."}
        db.session.commit()
        circle_id, erik_id = circle.id, erik.id

    _seed(runner)

    with in_app(app):
        circle = db.session.get(Workshop, circle_id)
        assert circle.descriptions == {"sv": "Vi bjuder på fika."}
        erik = db.session.get(MentorProfile, erik_id)
        assert erik.bios["it"] == "Parlo anche italiano." and set(erik.bios) == {"en", "sv", "it"}
        # Everything else is the demo's own, brought up to date.
        _assert_demo_complete(kept_description=circle_id, kept_bios=erik_id)


@pytest.mark.parametrize("locale", TARGETS)
def test_demo_workshop_and_mentor_pages_show_no_english_demo_text(app, runner, locale):
    _seed(runner)
    with in_app(app):
        workshops = db.session.scalars(select(Workshop)).all()
        english = {w.titles["en"] for w in workshops} | {w.descriptions["en"] for w in workshops}
        mentors = db.session.scalars(select(MentorProfile)).all()
        english |= {m.bios["en"] for m in mentors}
        english |= {OLD_DESCRIPTION, *OLD_MATERIALS.values()}
        english |= {bios["en"] for bios in OLD_BIOS.values()}
        in_english = [m.title for m in db.session.scalars(select(Material)) if m.language == "en"]
        pages = ["/workshops", "/workshops/calendar", "/mentors"]
        pages += [f"/workshops/{w.id}" for w in workshops] + [f"/mentors/{m.id}" for m in mentors]
    client = app.test_client()
    signed_in = client.post(
        "/signin", data={"email": "learner@demo.doimpact.eu", "password": "doimpact-demo"}
    )
    assert signed_in.status_code == 302
    for page in pages:
        response = client.get(f"{page}?lang={locale}")
        assert response.status_code == 200, page
        html = response.get_data(as_text=True)
        text = visible_text(html)
        assert [e for e in english if e in text] == [], page
        for title in in_english:  # material of the English event: marked as English
            if title in text:
                assert re.search(r'lang="en"[^>]*>\s*' + re.escape(title), html), page
