"""The application factory, configuration, health check, headers and database plumbing."""

import re

import pytest
from sqlalchemy import text

from app import create_app
from app.config import ConfigError
from app.core.security import is_safe_next
from app.extensions import db


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_database_is_unreachable(app_factory, tmp_path):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/x.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"


def test_security_headers_on_every_page(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "object-src 'none'" in csp and "base-uri 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # development


def _card_links(html: str) -> list[str]:
    cards = html.split('<ul class="cards">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<h3><a href="([^"]+)">', cards)


def test_home_cards_link_to_courses_coaching_and_workshops(client, make_user, login_as):
    html = client.get("/").get_data(as_text=True)
    assert _card_links(html) == ["/courses", "/mentors", "/workshops", "/assessment"]
    # A signed-out visitor is told before clicking, and after signing in lands on the mentors.
    assert "Sign in or create a free account to see the mentors." in html
    coaching = client.get("/mentors")
    assert coaching.status_code == 302 and coaching.location.startswith("/signin?next=%2Fmentors")
    assert "Please sign in to open this page." in client.get(coaching.location).get_data(
        as_text=True
    )
    login_as(client, make_user())
    html = client.get("/").get_data(as_text=True)
    assert _card_links(html) == ["/courses", "/mentors", "/workshops", "/assessment"]
    assert "to see the mentors" not in html
    assert client.get("/mentors").status_code == 200


def test_personal_pages_are_not_cached(client, make_user, login_as):
    login_as(client, make_user())
    assert client.get("/profile").headers["Cache-Control"] == "no-store"


def test_secret_key_is_generated_once_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DOIMPACT_SECRET_KEY", raising=False)
    config = {"INSTANCE_PATH": str(tmp_path / "inst"), "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    first = create_app(config).config["SECRET_KEY"]
    second = create_app(config).config["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "inst" / "secret_key").read_text().strip() == first
    assert oct((tmp_path / "inst" / "secret_key").stat().st_mode & 0o777) == "0o600"


def test_production_refuses_to_start_without_a_real_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("DOIMPACT_ENV", "production")
    monkeypatch.delenv("DOIMPACT_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("DOIMPACT_SECRET_KEY", "change-me")
    with pytest.raises(ConfigError):
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_sets_secure_cookies_and_hsts(tmp_path, monkeypatch):
    monkeypatch.setenv("DOIMPACT_ENV", "production")
    monkeypatch.setenv("DOIMPACT_SECRET_KEY", "x" * 48)
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert not app.debug
    assert "Strict-Transport-Security" in app.test_client().get("/healthz").headers


def test_secrets_from_the_environment_stay_strings(tmp_path, monkeypatch):
    digits = "1234567890" * 4
    monkeypatch.setenv("DOIMPACT_ENV", "production")
    monkeypatch.setenv("DOIMPACT_SECRET_KEY", digits)
    monkeypatch.setenv("DOIMPACT_SMTP_PASSWORD", "0012")
    monkeypatch.setenv("DOIMPACT_MAIL_SENDER", "true")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"] == digits
    assert app.config["SMTP_PASSWORD"] == "0012" and app.config["MAIL_SENDER"] == "true"
    assert app.test_client().get("/healthz").status_code == 200


def test_environment_variables_override_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("DOIMPACT_MAIL_BACKEND", "memory")
    monkeypatch.setenv("DOIMPACT_PAGE_SIZE", "7")
    monkeypatch.setenv("DOIMPACT_DATABASE_URL", "postgresql://u@h/d")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["MAIL_BACKEND"] == "memory"
    assert app.config["PAGE_SIZE"] == 7
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/d"


def test_instance_config_file_is_read(tmp_path, monkeypatch):
    monkeypatch.delenv("DOIMPACT_PAGE_SIZE", raising=False)
    (tmp_path / "config.py").write_text("PAGE_SIZE = 3\n")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PAGE_SIZE"] == 3


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_migrations_match_the_models(ctx):
    """The schema built by the migrations is the one the models describe."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/profile", True),
        ("/admin/users?page=2", True),
        ("https://evil.example/", False),
        ("//evil.example/", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
        ("", False),
        (None, False),
        ("profile", False),
        ("/\x00x", False),
    ],
)
def test_next_accepts_only_local_paths(target, safe):
    assert is_safe_next(target) is safe


def test_unknown_page_gets_translated_404(client):
    response = client.get("/no-such-page?lang=it")
    assert response.status_code == 404
    assert b'lang="it"' in response.data


def test_unexpected_error_gets_a_generic_translated_page_with_a_reference(app_factory, caplog):
    app = app_factory()
    app.testing = False  # let the error handler answer, as in production

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom?lang=sv")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in html and 'lang="sv"' in html
    reference = re.search(r"[0-9a-f]{12}", html).group(0)
    assert reference in caplog.text


def test_error_page_renders_without_the_database_that_failed(
    app, app_factory, make_user, login_as, tmp_path, caplog
):
    """A signed-in request whose database fails still gets the translated 500 page: the page
    itself never goes back to the database (the user is not loaded again)."""
    client = app.test_client()
    login_as(client, make_user(locale="lv"))
    broken = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing/dir/db.sqlite3")
    broken.testing = False  # let the error handler answer, as in production
    broken_client = broken.test_client()
    for cookie in client._cookies.values():
        broken_client.set_cookie(cookie.key, cookie.value)
    response = broken_client.get("/learning?lang=lv")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert 'lang="lv"' in html and "Error reference" not in html  # the Latvian page
    reference = re.search(r"[0-9a-f]{12}", html).group(0)
    assert reference in caplog.text and "error page failed" not in caplog.text
