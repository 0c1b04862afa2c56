"""DO Impact Academy: the application factory."""

import os
from pathlib import Path

from flask import Flask

from app.config import load_config
from app.core.catalogs import py_gettext as gettext
from app.extensions import babel, csrf, db, login_manager

MIGRATIONS = str(Path(__file__).parent / "migrations")
TRANSLATIONS = str(Path(__file__).parent.parent / "translations")


def create_app(config: dict | None = None) -> Flask:
    """Build the application from defaults, instance/config.py, DOIMPACT_* and `config`."""
    instance_path = os.environ.get("DOIMPACT_INSTANCE_PATH") or (config or {}).get("INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=os.path.abspath(instance_path) if instance_path else None,
        instance_relative_config=True,
    )
    load_config(app, config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    trust_proxies(app)

    from app.core import privacy, routing

    routing.init_app(app)  # URL converters that refuse what no row can match; before routes
    register_extensions(app)
    register_blueprints(app)
    privacy.load_providers()  # each domain's personal-data provider (core/privacy.py)
    register_commands(app)

    if app.config.get("SCHEDULER_IN_WEB"):  # APScheduler is loaded only where it runs
        from app.notifications.scheduler import start_in_web_process

        start_in_web_process(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Read the client address and scheme from the last TRUSTED_PROXIES hops of X-Forwarded-*.

    Without trusted proxies the headers are ignored: anyone can send them. Host, port and
    prefix are never taken from headers; links in e-mails are built from SERVER_ORIGIN.
    """
    from werkzeug.middleware.proxy_fix import ProxyFix

    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0
        )


def register_extensions(app: Flask) -> None:
    from app.accounts import services as account_services
    from app.core import db as core_db
    from app.core import fields, frame, i18n, security, timeutil
    from app.core.db import utcnow
    from app.core.errors import register_error_handlers

    db.init_app(app)
    core_db.init_app(app)  # first: a writing request begins as a writer before anything reads
    if app.config["MIGRATE_COMMANDS"]:
        # `flask db ...`; Alembic (some 20 MiB) is not loaded where no command runs (gunicorn).
        from flask_migrate import Migrate

        Migrate(app, db, directory=MIGRATIONS, render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        timezone_selector=i18n.select_timezone,
        default_translation_directories=TRANSLATIONS,
    )
    login_manager.init_app(app)
    login_manager.login_view = "accounts.signin"
    login_manager.login_message = "Please sign in to open this page."
    login_manager.login_message_category = "info"
    login_manager.localize_callback = gettext
    login_manager.session_protection = None  # sessions live server-side; see UserSession

    @login_manager.user_loader
    def load_user(token: str):
        # The session's last activity is written apart from the request's transaction.
        return account_services.load_session_user(token, utcnow())

    i18n.init_app(app)
    app.jinja_env.globals.update(timeutil.template_globals())  # time ranges, zone wording
    security.init_app(app)
    fields.init_app(app)  # filter_field() for search and filter forms
    frame.init_app(app)  # the page frame, kept per kind of reader
    register_error_handlers(app)


def register_blueprints(app: Flask) -> None:
    from app.accounts.views import admin_bp
    from app.accounts.views import bp as accounts_bp
    from app.assessment.views import bp as assessment_bp
    from app.calendar.views import bp as calendar_bp
    from app.core.views import bp as core_bp
    from app.courses.views import bp as courses_bp
    from app.mentoring.views import bp as mentoring_bp
    from app.notifications.views import bp as notifications_bp
    from app.workshops.views import bp as workshops_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(mentoring_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(workshops_bp)
    app.register_blueprint(assessment_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(admin_bp)

    from app.accounts.choices import template_helpers

    app.context_processor(template_helpers)


def register_commands(app: Flask) -> None:
    from app.accounts.cli import users_cli
    from app.assessment import cli as assessment_cli  # noqa: F401 - registers its content
    from app.core.content import content_cli
    from app.courses import cli as courses_cli  # noqa: F401 - registers the courses' content
    from app.demo import demo_cli
    from app.notifications.cli import outbox_cli, scheduler_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(content_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(scheduler_cli)
    app.cli.add_command(outbox_cli)

    @app.shell_context_processor
    def shell_context():
        from app.accounts import models

        return {"db": db, **{name: getattr(models, name) for name in ("User", "Organisation")}}
