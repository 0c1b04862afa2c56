"""Security headers, safe redirects and the access rules every route declares."""

import logging
import re
from functools import wraps
from urllib.parse import urlsplit

from flask import abort, current_app, request
from flask_login import current_user

from app.core.catalogs import lazy_gettext as _l

ROLES = ("mentor", "trainer", "manager", "coordinator")
WEB_LINK_NEEDED = _l("Give a web address that starts with https://.")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)


class RedactSecretPaths(logging.Filter):
    """Keep secrets that travel in URLs (calendar feed links) out of request logs."""

    PATTERN = re.compile(r"(/calendar/feed/)[^/\s?\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/calendar/feed/" in message:
            record.msg, record.args = self.PATTERN.sub(r"\1[redacted].ics", message), ()
        return True


def is_web_link(url: str | None) -> bool:
    """An http(s) address with a host: never javascript:, data: or a bare path."""
    parts = urlsplit((url or "").strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def is_safe_next(target: str | None) -> bool:
    """Accept only a relative path on this host (no scheme, no host, no backslash tricks)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def access(*rules: str):
    """Declare who may open a view: 'public', 'anonymous', 'user', or one or more role names.

    The route x role test reads this attribute, so a route without it fails.
    """
    if not rules or any(rule not in ("public", "anonymous", "user", *ROLES) for rule in rules):
        raise ValueError(f"unknown access rule {rules}")
    if len(rules) > 1 and not set(rules) <= set(ROLES):
        raise ValueError("only roles can be combined")
    rule = rules[0] if len(rules) == 1 else rules

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            roles = set(rules) & set(ROLES)
            if (rule == "user" or roles) and not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if roles and not any(current_user.has_role(role) for role in roles):
                from app.core.audit import record_denied_access
                from app.core.db import begin_write
                from app.extensions import db

                begin_write(db.session)  # a GET that writes: begin as a writer (SQLite)
                record_denied_access(current_user, request.path)
                db.session.commit()
                abort(403)
            return view(*args, **kwargs)

        wrapper.access_rule = rule
        return wrapper

    return decorate


def init_app(app) -> None:
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecretPaths) for f in logger.filters):
            logger.addFilter(RedactSecretPaths())

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["ENV_NAME"] == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and current_user.is_authenticated:
            headers["Cache-Control"] = "no-store"
        return response
