"""Configuration: defaults here, then instance/config.py, then DOIMPACT_* environment variables."""

import json
import os
import secrets
from pathlib import Path

LOCALES = ("en", "it", "ca", "es", "lv", "lt", "sv")
# Each language named in itself, as shown in the language menu.
LANGUAGE_NAMES = {
    "en": "English",
    "it": "Italiano",
    "ca": "Català",
    "es": "Español",
    "lv": "Latviešu",
    "lt": "Lietuvių",
    "sv": "Svenska",
}
COUNTRIES = ("IT", "ES", "LV", "LT", "SE", "BE", "other")
DEFAULT_SECRET_MARKERS = ("", "dev", "change-me", "changeme", "secret")


class Defaults:
    ENV_NAME = "development"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    DEFAULT_TIMEZONE = "Europe/Brussels"
    LOCALES = LOCALES
    MAIL_BACKEND = "file"
    MAIL_SENDER = "DO Impact Academy <no-reply@doimpact.eu>"
    SMTP_HOST = "localhost"
    SMTP_PORT = 25
    SMTP_USERNAME: str | None = None
    SMTP_PASSWORD: str | None = None
    SMTP_STARTTLS = False
    SMTP_TIMEOUT = 10
    # Absolute origin used in links inside e-mails sent outside a request.
    SERVER_ORIGIN = "http://127.0.0.1:5000"
    PRIVACY_NOTICE_VERSION = "2026-11"
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_MAX_LENGTH = 128
    # argon2id; OWASP: at least 19 MiB, t=2, p=1.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19456
    ARGON2_PARALLELISM = 1
    CONFIRM_TOKEN_MAX_AGE = 3 * 24 * 3600
    RESET_TOKEN_MAX_AGE = 3600
    LOGIN_THROTTLE_WINDOW = 15 * 60
    LOGIN_THROTTLE_PER_ACCOUNT = 5
    LOGIN_THROTTLE_PER_ADDRESS = 20
    # OWASP ASVS level 2: sign in again after 12 hours, or after 2 hours without activity.
    SESSION_ABSOLUTE_LIFETIME = 12 * 3600
    SESSION_IDLE_TIMEOUT = 2 * 3600
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    LANG_COOKIE = "doimpact_lang"
    PAGE_SIZE = 20
    # The outbox dispatcher runs in its own process (`flask scheduler run`); `make run` turns
    # this on to run it inside the development server instead.
    SCHEDULER_IN_WEB = False
    # Mentoring: how many upcoming sessions a learner may hold at once, and until how many hours
    # before a session the learner may cancel or move it.
    MENTORING_MAX_OPEN_BOOKINGS = 3
    MENTORING_CANCEL_NOTICE_HOURS = 12
    # Workshop and course material: the largest file accepted; requests a little larger than
    # that are cut off before they reach a view (413).
    MATERIAL_MAX_BYTES = 25 * 2**20
    MAX_CONTENT_LENGTH = 26 * 2**20
    DISPATCH_INTERVAL = 60
    WTF_CSRF_TIME_LIMIT = None
    WTF_I18N_ENABLED = False


class ConfigError(RuntimeError):
    """The configuration cannot be used (for example production without a real secret)."""


def _coerce(value: str):
    try:
        return json.loads(value)
    except ValueError:
        return value


def load_config(app, overrides: dict | None = None) -> None:
    """Fill app.config from defaults, instance/config.py, DOIMPACT_* variables and overrides."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    for key, value in os.environ.items():
        if key.startswith("DOIMPACT_") and key != "DOIMPACT_INSTANCE_PATH":
            name = key.removeprefix("DOIMPACT_")
            if name == "DATABASE_URL":
                name = "SQLALCHEMY_DATABASE_URI"
            elif name == "ENV":
                name = "ENV_NAME"
            app.config[name] = _coerce(value)
    if overrides:
        app.config.update(overrides)

    production = app.config["ENV_NAME"] == "production"
    if production:
        secret = app.config.get("SECRET_KEY") or ""
        if len(secret) < 32 or secret.lower() in DEFAULT_SECRET_MARKERS:
            raise ConfigError(
                "Production needs a real SECRET_KEY of at least 32 characters "
                "(DOIMPACT_SECRET_KEY or instance/config.py)."
            )
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            PREFERRED_URL_SCHEME="https",
        )
        app.debug = False
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path))

    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(
            Path(app.instance_path) / "doimpact.sqlite3"
        )
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )
    app.config.setdefault("OUTBOX_DIR", str(Path(app.instance_path) / "outbox"))
    app.config.setdefault("CONTENT_DIR", str(Path(app.root_path).parent / "content"))


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def _instance_secret(instance: Path) -> str:
    """Return the secret kept in the instance folder, creating it on first run."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
