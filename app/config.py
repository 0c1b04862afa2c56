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
    # "none", "starttls" (upgrade on the usual port 587) or "tls" (implicit TLS, port 465);
    # unset means "starttls" when SMTP_STARTTLS is true. The server's certificate is verified
    # against the system's authorities, or against SMTP_CA_FILE (a PEM file) for a private CA.
    SMTP_SECURITY: str | None = None
    SMTP_CA_FILE: str | None = None
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
    # At most one reset, "account exists" or new confirmation mail per address in this period
    # (seconds), however often it is asked for.
    ACCOUNT_MAIL_PERIOD = 15 * 60
    # The accounts' purge runs every PURGE_INTERVAL seconds: expired sessions and failed
    # sign-ins older than the throttle remembers go, and sent or withdrawn account mails once
    # ACCOUNT_MAIL_RETENTION seconds old.
    PURGE_INTERVAL = 3600
    ACCOUNT_MAIL_RETENTION = 7 * 24 * 3600
    # Erasure asked for on the profile page is carried out this many days later by the
    # ERASURE_INTERVAL job; signing in before then cancels it.
    ERASURE_GRACE_DAYS = 14
    ERASURE_INTERVAL = 900
    # Retention (days), applied by the privacy-retention job every RETENTION_INTERVAL seconds
    # and listed on the privacy notice: sent or withdrawn e-mails, audit entries, calendar links
    # no calendar has read, and accounts whose e-mail address was never confirmed.
    OUTBOX_RETENTION_DAYS = 90
    AUDIT_RETENTION_DAYS = 365
    FEED_TOKEN_RETENTION_DAYS = 180
    UNCONFIRMED_ACCOUNT_RETENTION_DAYS = 30
    RETENTION_INTERVAL = 6 * 3600
    # How long a manager's invitation link to join an organisation stays valid.
    INVITATION_MAX_AGE = 14 * 24 * 3600
    # Throttling of password checks (sign-in, password change, erasure). Failures are rows in
    # the database, so every worker sees them. One account from one address (a "pair") gets
    # LOGIN_PAIR_FREE_FAILURES failures, then waits 1 s, 2 s, 4 s ... up to LOGIN_PAIR_MAX_DELAY;
    # other addresses are not affected, so an attacker cannot lock the real user out.
    LOGIN_PAIR_FREE_FAILURES = 3
    LOGIN_PAIR_BASE_DELAY = 1
    LOGIN_PAIR_MAX_DELAY = 15 * 60
    # Failures are remembered this long (the pair's delay grows over this period).
    LOGIN_FAILURE_MEMORY = 24 * 3600
    # An account with this many failures from all addresses is being guessed from many places:
    # its pairs then get one free failure instead of LOGIN_PAIR_FREE_FAILURES. An address that
    # has not failed is never refused, so the real user's own address always gets its try.
    LOGIN_ACCOUNT_GUARD_FAILURES = 10
    # Many accounts from one address: at most this many failures per window, then wait.
    LOGIN_THROTTLE_WINDOW = 15 * 60
    LOGIN_THROTTLE_PER_ADDRESS = 20
    # Reverse proxies in front of the app whose X-Forwarded-For and X-Forwarded-Proto are
    # trusted (DOIMPACT_TRUSTED_PROXIES). 0: use the connecting address, ignore the headers.
    TRUSTED_PROXIES = 0
    # OWASP ASVS level 2: sign in again after 12 hours, or after 2 hours without activity.
    SESSION_ABSOLUTE_LIFETIME = 12 * 3600
    SESSION_IDLE_TIMEOUT = 2 * 3600
    # A session's last activity is written at most this often (seconds), not on every request.
    SESSION_ACTIVITY_INTERVAL = 60
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    LANG_COOKIE = "doimpact_lang"
    PAGE_SIZE = 20
    # How long a worker trusts its copy of the course structure before it asks whether content
    # was imported since (seconds; courses/structure.py). The importing process sees its own
    # import at once.
    CONTENT_RECHECK_SECONDS = 1.0
    # Keep each kind of reader's page frame (head links, header, footer) rendered in the
    # worker (core/frame.py); off: render it on every request.
    FRAME_CACHE = True
    # The outbox dispatcher runs in its own process (`flask scheduler run`); `make run` turns
    # this on to run it inside the development server instead.
    SCHEDULER_IN_WEB = False
    # The `flask db` commands (Flask-Migrate, Alembic); gunicorn.conf.py turns them off in workers.
    MIGRATE_COMMANDS = True
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


# Settings read from the environment exactly as written: a secret made only of digits must stay
# a string (JSON would turn it into a number and start-up would fail).
STRING_SETTINGS = frozenset(
    {"SECRET_KEY", "SMTP_USERNAME", "SMTP_PASSWORD", "SQLALCHEMY_DATABASE_URI"}
)


def _coerce(name: str, value: str):
    """Read JSON (numbers, true/false, lists) except where the setting is a string."""
    if name in STRING_SETTINGS or isinstance(getattr(Defaults, name, None), str):
        return value
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
            app.config[name] = _coerce(name, value)
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
