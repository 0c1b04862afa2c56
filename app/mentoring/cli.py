"""Demo mentoring data: three mentors in three countries and time zones, a held session with
notes and an upcoming booking for the demo learner."""

import secrets
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db

from . import services
from .models import Booking

DEMO_MENTORS = (
    # e-mail, name, country, locale, time zone, languages, expertise, weekly hours
    (
        "mentor@demo.doimpact.eu",
        "Ilze Bērziņa",
        "LV",
        "lv",
        "Europe/Riga",
        ["lv", "en", "lt"],
        ["digcomp-4", "cybersecurity", "data-protection"],
        {d: [(time(9), time(12)), (time(14), time(16))] for d in (0, 1, 2, 3)},
        "Es palīdzu kooperatīviem un biedrībām sakārtot kontus, paroles un rezerves kopijas.",
        "I help cooperatives and associations put accounts, passwords and backups in order.",
    ),
    (
        "mentor.es@demo.doimpact.eu",
        "Núria Puig",
        "ES",
        "ca",
        "Europe/Madrid",
        ["ca", "es", "en"],
        ["impact-measurement", "digcomp-1", "fundraising"],
        {d: [(time(10), time(13))] for d in (1, 2, 4)},
        "Ajudo cooperatives i entitats socials a mesurar i explicar el seu impacte.",
        "I help cooperatives and social enterprises measure and tell their impact.",
    ),
    (
        "mentor.se@demo.doimpact.eu",
        "Erik Lindqvist",
        "SE",
        "sv",
        "Europe/Stockholm",
        ["sv", "en"],
        ["green-digital", "online-collaboration", "digcomp-2"],
        {d: [(time(13), time(17))] for d in (0, 2)},
        "Jag hjälper sociala företag att samarbeta digitalt och minska sitt klimatavtryck.",
        "I help social enterprises work together online and cut their footprint.",
    ),
)


def seed_mentoring(learner: User, now: datetime, create_user, password: str) -> list[str]:
    """Create the demo mentors and the learner's sessions once; return the mentors' e-mails."""
    mentors = []
    for (
        email,
        name,
        country,
        locale,
        zone,
        languages,
        expertise,
        weekly,
        bio,
        bio_en,
    ) in DEMO_MENTORS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(
                email=email,
                name=name,
                password=password,
                country=country,
                locale=locale,
                timezone=zone,
                roles=("mentor",),
                check_rules=False,
            )
        if services.mentor_profile_of(user) is None:
            profile = services.save_profile(
                user,
                bios={locale: bio, "en": bio_en},
                languages=languages,
                expertise=expertise,
                country=country,
                timezone=zone,
                mode="video",
                meeting_url=f"https://meet.example.org/{email.split('@')[0]}",
                session_minutes=60,
                buffer_before=0,
                buffer_after=15,
                min_notice_hours=24,
                horizon_days=42,
                max_per_day=4,
                max_per_week=10,
                published=True,
            )
            db.session.flush()
            services.set_weekly_rules(profile, weekly)
        mentors.append(services.mentor_profile_of(user))
    db.session.flush()
    has_sessions = db.session.scalar(select(Booking.id).where(Booking.learner_id == learner.id))
    if learner is not None and not has_sessions:
        _held_session(learner, mentors[0], now)
        slot = next(iter(services.free_slots(mentors[1], now + timedelta(days=2))), None)
        if slot is not None:
            services.book(
                learner,
                mentors[1].id,
                slot.start,
                "Misurare l'impatto della nostra cooperativa",
                "Scegliere tre indicatori e un modulo per raccogliere i dati.",
                now,
            )
    return [profile.user.email for profile in mentors]


def _held_session(learner: User, profile, now: datetime) -> None:
    """A session a week ago, held, with notes: history the booking rules would refuse to create."""
    zone = ZoneInfo(profile.timezone)
    day = (now - timedelta(days=7)).astimezone(zone).date()
    start = datetime.combine(day, time(10), tzinfo=zone).astimezone(ZoneInfo("UTC"))
    end = start + timedelta(minutes=profile.session_minutes)
    db.session.add(
        Booking(
            uid=f"{secrets.token_hex(12)}@doimpact.eu",
            mentor_id=profile.id,
            learner_id=learner.id,
            starts_at=start,
            ends_at=end,
            block_start=start,
            block_end=end + timedelta(minutes=profile.buffer_after),
            status="held",
            topic="Password manager per i soci volontari",
            goal="Capire come condividere le password senza fogli Excel.",
            mode=profile.mode,
            location=profile.meeting_url,
            created_at=start - timedelta(days=5),
            notes_shared="Abbiamo confrontato Bitwarden e KeePassXC.\nLa cooperativa usa già "
            "Nextcloud.",
            action_items="Creare una cassaforte condivisa per il consiglio\n"
            "Attivare la verifica in due passaggi per la posta",
            notes_private="Giulia will need help with the board's buy-in.",
        )
    )
