"""Domain errors and the HTTP error pages."""

import logging
import secrets

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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
        return _render(500, reference=reference)


# Flask-Login flashes this (through gettext) when a signed-out user opens a protected page.
LOGIN_MESSAGE = _l("Please sign in to open this page.")
