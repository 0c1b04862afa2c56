"""Demo workshops: upcoming and past events in several languages and countries, one full with
a waiting list, material attached, and the demo learner registered in one."""

import io
import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from fpdf import FPDF
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db

from . import services
from .models import Registration, Workshop

DEMO_EVENTS = (
    # days ahead, local start, hours, zone, language, kind, mode, country, capacity, titles
    (
        9,
        time(10),
        2,
        "Europe/Brussels",
        "en",
        "workshop",
        "online",
        "BE",
        40,
        {
            "en": "Measuring impact together: a transnational workshop",
            "it": "Misurare l'impatto insieme: workshop transnazionale",
            "es": "Medir el impacto juntos: taller transnacional",
        },
    ),
    (
        12,
        time(17),
        2,
        "Europe/Riga",
        "lv",
        "training",
        "in_person",
        "LV",
        2,
        {"lv": "Kiberdrošības pamati biedrībām", "en": "Cybersecurity basics for associations"},
    ),
    (
        16,
        time(14),
        1,
        "Europe/Rome",
        "it",
        "webinar",
        "online",
        "IT",
        100,
        {
            "it": "Webinar: il cloud per le cooperative sociali",
            "en": "Webinar: the cloud for social cooperatives",
        },
    ),
    (
        20,
        time(9, 30),
        3,
        "Europe/Stockholm",
        "sv",
        "mentoring_circle",
        "in_person",
        "SE",
        12,
        {
            "sv": "Mentorscirkel: digitala verktyg för cirkulär ekonomi",
            "en": "Mentoring circle: digital tools for the circular economy",
        },
    ),
    (
        -10,
        time(10),
        3,
        "Europe/Madrid",
        "ca",
        "workshop",
        "in_person",
        "ES",
        20,
        {
            "ca": "Taller: fulls de càlcul per a cooperatives",
            "es": "Taller: hojas de cálculo para cooperativas",
            "en": "Workshop: spreadsheets for cooperatives",
        },
    ),
)
PLACES = {
    "LV": ("Rīgas Sociālās uzņēmējdarbības centrs", "Tērbatas iela 14, Rīga"),
    "SE": ("Coompanion Malmö", "Bergsgatan 20, Malmö"),
    "ES": ("Casa de la Solidaritat", "Carrer de Vistalegre 15, Barcelona"),
}


def programme_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF, with the fonts the certificates use (they cover Latvian and Lithuanian)."""
    from app.courses.certificates import FONTS

    document = FPDF()
    document.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    document.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    document.add_page()
    document.set_font("DejaVu", "B", 16)
    document.multi_cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    document.set_font("DejaVu", size=12)
    for line in lines:
        document.multi_cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def seed_workshops(now: datetime, emails: dict[str, str]) -> int:
    """Create the demo events once; `emails` names the demo accounts by role."""
    if db.session.scalar(select(Workshop.id).limit(1)) is not None:
        return 0
    people = {
        role: db.session.scalar(select(User).where(User.email == email))
        for role, email in emails.items()
    }
    trainer = people["trainer"]
    created = []
    for days, start, hours, zone, language, kind, mode, country, capacity, titles in DEMO_EVENTS:
        local = datetime.combine((now + timedelta(days=days)).date(), start, tzinfo=ZoneInfo(zone))
        starts_at = local.astimezone(ZoneInfo("UTC"))
        venue, address = PLACES.get(country, (None, None))
        workshop = Workshop(
            uid=f"workshop-{secrets.token_hex(10)}@doimpact.eu",
            organiser_id=trainer.id,
            titles=titles,
            descriptions={
                "en": "Practical, hands-on and in plain words: bring your own "
                "questions and examples from your organisation."
            },
            language=language,
            kind=kind,
            mode=mode,
            meeting_url="https://meet.example.org/doimpact-" + language
            if mode == "online"
            else None,
            venue=venue if mode == "in_person" else None,
            address=address if mode == "in_person" else None,
            country=country,
            timezone=zone,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            capacity=capacity,
            registration_deadline=starts_at - timedelta(hours=2),
            digcomp=["1.3", "2.4"],
            course_keys=["impact-measurement"] if days == 9 else [],
            status="published",
            created_at=now - timedelta(days=30),
            published_at=now - timedelta(days=29),
        )
        db.session.add(workshop)
        created.append(workshop)
    db.session.flush()
    transnational, full, _webinar, _circle, past = created
    services.register(people["learner"], transnational.id, now)
    for role in ("manager", "coordinator"):
        services.register(people[role], full.id, now)
    services.register(people["mentor"], full.id, now + timedelta(seconds=1))  # waiting, no. 1
    past.seats_taken = 1
    db.session.add(
        Registration(
            workshop_id=past.id,
            user_id=people["learner"].id,
            status="registered",
            queued_at=past.created_at,
            created_at=past.created_at,
            attendance="attended",
        )
    )
    for workshop, participants_only, name, title in (
        (transnational, False, "programme.pdf", "Programme and exercises"),
        (past, False, "slides.pdf", "Slides: spreadsheets for cooperatives"),
        (past, True, "templates.pdf", "Budget templates (participants only)"),
    ):
        data = programme_pdf(title, ["DO Impact Academy", "Demo material."])
        services.add_material(
            trainer,
            io.BytesIO(data),
            name,
            title=title,
            language=workshop.language,
            participants_only=participants_only,
            now=now,
            workshop=workshop,
        )
    return len(created)
