"""Domain errors and the HTTP error pages."""

import logging
import secrets

from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from app.core.catalogs import lazy_gettext as _l

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of ours was broken; the message is translatable and shown to the user."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


ERROR_TEXTS = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please go back and try again."),
    ),
    403: (_l("Access denied"), _l("You do not have permission to open this page.")),
    404: (_l("Page not found"), _l("We could not find the page you asked for.")),
    405: (_l("Not allowed"), _l("This action is not allowed here.")),
    413: (_l("File too large"), _l("The file you sent is larger than we accept.")),
    429: (_l("Too many requests"), _l("Please wait a moment before trying again.")),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. We have logged it and will look into it."),
    ),
}
CSRF_TEXT = _l(
    "Your form expired or was sent from another site. Please reload the page and try again."
)


def _render(code: int, text=None, reference: str | None = None):
    title, default_text = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=title,
            text=text or default_text,
            reference=reference,
        ),
        code,
    )


def register_error_handlers(app) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render(400, CSRF_TEXT)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in ERROR_TEXTS:
            return _render(error.code)
        return error

    @app.errorhandler(Exception)
    def unexpected(error):
        reference = secrets.token_hex(6)
        log.exception("Unhandled error, reference %s", reference)
        _forget_the_database()
        try:
            return _render(500, reference=reference)
        except Exception:  # the page itself failed: still answer, in plain words
            log.exception("The error page failed too, reference %s", reference)
            return PLAIN_500.format(reference=reference), 500, {"Content-Type": "text/html"}


def _forget_the_database() -> None:
    """Render the error page without touching the database, which may be what failed: drop
    the transaction and show the page as to a signed-out visitor (the user is not loaded)."""
    from flask import current_app, g

    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection may be gone; the page must still render
        log.warning("rollback failed while answering an error")
    g._login_user = current_app.login_manager.anonymous_user()


PLAIN_500 = (
    '<!doctype html><html lang="en"><title>Error</title><h1>Something went wrong</h1>'
    "<p>Error reference: {reference}</p></html>"
)


# Flask-Login flashes this (through gettext) when a signed-out user opens a protected page.
LOGIN_MESSAGE = _l("Please sign in to open this page.")
