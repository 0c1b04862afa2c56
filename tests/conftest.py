"""Fixtures: a real database (SQLite file, or PostgreSQL with TEST_DATABASE_URL), the app,
a client, a CLI runner, factories and sign-in helpers."""

import os
import re
import secrets
from contextlib import contextmanager, nullcontext
from datetime import time
from pathlib import Path

import pytest
from flask import current_app, has_app_context
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app import create_app
from app.config import normalise_database_url
from app.extensions import db as _db

FAST_HASH = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 64, "ARGON2_PARALLELISM": 1}
PASSWORD = "correct horse battery"
SAMPLE_CONTENT = Path(__file__).resolve().parent / "courses" / "sample_content"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A database of this run's own, dropped at the end."""
    with own_database(tmp_path_factory.mktemp("db"), "test") as url:
        yield url


@contextmanager
def own_database(folder, prefix: str):
    """A new empty database, dropped at the end: a SQLite file in `folder`, or a PostgreSQL
    database of its own when TEST_DATABASE_URL is set."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(Path(folder) / f"{prefix}.sqlite3")
        return
    url = make_url(normalise_database_url(base))
    name = f"doimpact_{prefix}_" + secrets.token_hex(4)
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_config(database_url, tmp_path, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "MAIL_BACKEND": "memory",
        "WTF_CSRF_ENABLED": False,
        "SERVER_ORIGIN": "http://localhost",
        "CONTENT_DIR": str(SAMPLE_CONTENT),
        **FAST_HASH,
    }
    config.update(extra)
    return config


test_config.__test__ = False  # a helper, not a test


@pytest.fixture(scope="session")
def _schema(database_url, tmp_path_factory):
    """Build the schema once per run through the real migrations."""
    from flask_migrate import upgrade

    app = create_app(test_config(database_url, tmp_path_factory.mktemp("schema")))
    with app.app_context():
        upgrade()
        _db.engine.dispose()


def _wipe(app) -> None:
    with app.app_context():
        _db.session.remove()
        with _db.engine.begin() as connection:
            for table in reversed(_db.metadata.sorted_tables):
                connection.execute(table.delete())
        _db.engine.dispose()


@pytest.fixture
def app_factory(database_url, tmp_path, _schema):
    """Make apps on the test database (several apps stand for several worker processes)."""
    made = []

    def make(**extra):
        app = create_app(test_config(database_url, tmp_path, **extra))
        made.append(app)
        return app

    yield make
    if made:
        _wipe(create_app(test_config(database_url, tmp_path)))
    for app in made:
        with app.app_context():
            _db.engine.dispose()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def ctx(app):
    """An application context for service tests (no request)."""
    with app.app_context():
        yield app
        _db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    return app.extensions.setdefault("mail_outbox", [])


def in_app(app):
    """The current app context when it is this app's (sharing its session), else a new one."""
    if has_app_context() and current_app._get_current_object() is app:
        return nullcontext()
    return app.app_context()


def dispatch_outbox(app) -> list:
    """Send what the outbox holds due now, as the scheduler would; return every mail sent."""
    from app.core.db import utcnow
    from app.notifications.services import dispatch_due

    with in_app(app):
        dispatch_due(utcnow())
    return app.extensions.setdefault("mail_outbox", [])


@pytest.fixture
def make_org(app):
    from app.accounts.models import Organisation

    def make(name=None, kind="cooperative", country="IT", approved=True, parent=None):
        with in_app(app):
            org = Organisation(
                name=name or "Org " + secrets.token_hex(3),
                kind=kind,
                country=country,
                approved=approved,
                parent_id=parent,
            )
            _db.session.add(org)
            _db.session.commit()
            return org.id

    return make


@pytest.fixture
def make_user(app):
    """Create a confirmed user; returns its id."""
    from app.accounts.cli import create_user

    def make(email=None, roles=(), locale="en", timezone="Europe/Brussels", name=None, **kw):
        with in_app(app):
            user = create_user(
                email=email or f"user-{secrets.token_hex(4)}@example.org",
                name=name or "Test Person",
                password=PASSWORD,
                country=kw.pop("country", "IT"),
                locale=locale,
                timezone=timezone,
                roles=tuple(roles),
                check_rules=False,
            )
            if kw.get("organisation"):  # a granted member unless asked otherwise
                user.organisation_id = kw["organisation"]
                user.organisation_granted_at = None if kw.get("pending") else user.created_at
            _db.session.commit()
            return user.id

    return make


def user_email(app, user_id) -> str:
    from app.accounts.models import User

    with app.app_context():
        return _db.session.get(User, user_id).email


@pytest.fixture
def login_as(app):
    """Sign a client in through the real sign-in form."""

    def login(client, user_id, password=PASSWORD):
        response = client.post(
            "/signin", data={"email": user_email(app, user_id), "password": password}
        )
        assert response.status_code == 302, response.data[:500]
        return response

    return login


def csrf_token(html: bytes | str) -> str:
    if isinstance(html, bytes):
        html = html.decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


@pytest.fixture
def synced(app):
    """Import the sample courses; return {course key: id}."""
    from app.courses.loader import read_content
    from app.courses.models import Course
    from app.courses.sync import sync_courses

    with in_app(app):
        courses, problems = read_content(app.config["CONTENT_DIR"])
        assert problems == []
        sync_courses(courses)
        _db.session.commit()
        return {c.key: c.id for c in _db.session.scalars(select(Course))}


WEEKDAYS_9_TO_17 = {day: [(time(9), time(17))] for day in range(7)}


@pytest.fixture
def make_mentor(app, make_user):
    """A published mentor; returns (user id, profile id)."""

    def make(timezone="Europe/Riga", weekly=None, name="Māra Bērziņa", **settings):
        user_id = make_user(roles=("mentor",), timezone=timezone, name=name, locale="lv")
        values = {
            "languages": ["lv", "en"],
            "expertise": ["digcomp-4", "cybersecurity"],
            "country": "LV",
            "timezone": timezone,
            "mode": "video",
            "meeting_url": "https://meet.example.org/mara",
            "session_minutes": 60,
            "buffer_before": 0,
            "buffer_after": 0,
            "min_notice_hours": 0,
            "horizon_days": 60,
            "max_per_day": None,
            "max_per_week": None,
            "published": True,
            "bios": {"en": "I help cooperatives secure their accounts."},
        }
        values.update(settings)
        with in_app(app):
            from app.accounts.models import User
            from app.mentoring import services

            user = _db.session.get(User, user_id)
            profile = services.save_profile(user, **values)
            _db.session.flush()
            services.set_weekly_rules(profile, WEEKDAYS_9_TO_17 if weekly is None else weekly)
            _db.session.commit()
            return user_id, profile.id

    return make


@pytest.fixture
def make_workshop(app, make_user):
    """A published workshop two weeks ahead; returns (organiser id, workshop id)."""
    from datetime import timedelta

    def make(capacity=10, organiser=None, publish=True, days=14, **changes):
        from app.accounts.models import User
        from app.core.db import utcnow
        from app.workshops import services

        organiser = organiser or make_user(roles=("trainer",), timezone="Europe/Stockholm")
        now = utcnow()
        start = (now + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
        values = {
            "titles": {
                "en": "Shared calendars for cooperatives",
                "sv": "Delade kalendrar för kooperativ",
            },
            "descriptions": {"en": "Shared documents and calendars in practice."},
            "language": "en",
            "kind": "workshop",
            "mode": "online",
            "meeting_url": "https://meet.example.org/workshop",
            "venue": None,
            "address": None,
            "country": "SE",
            "timezone": "Europe/Stockholm",
            "starts_at": start,
            "ends_at": start + timedelta(hours=2),
            "capacity": capacity,
            "registration_deadline": start - timedelta(hours=1),
            "audience_countries": [],
            "audience_organisations": [],
            "course_keys": [],
            "digcomp": ["2.4"],
        }
        values.update(changes)
        with in_app(app):
            user = _db.session.get(User, organiser)
            workshop = services.save_workshop(user, None, now, **values)
            if publish:
                services.publish(user, workshop, now)
            _db.session.commit()
            return organiser, workshop.id

    return make


@contextmanager
def count_queries(app, selects_only: bool = False):
    """Collect the SQL statements the app's engine runs inside the block."""
    from sqlalchemy import event

    statements = []
    with in_app(app):
        engine = _db.engine

    def before(conn, cursor, statement, *args):
        if not selects_only or statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
