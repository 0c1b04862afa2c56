"""The frame of every page (the head's links, the header with its menus, the footer), rendered
once per worker for each kind of reader and kept.

Measured on the demo data, the frame was about half of what a signed-in page cost above a bare
Flask page: a dozen `url_for`, fourteen links to the page in the other languages, a menu that
asks the user's roles five times. What it shows depends on few things: the language, the page's
endpoint (which menu entry is current), whether someone is signed in and with which roles, and
the path the app is mounted under. That is the key. Two things vary within a key: the links to
this page in the other languages and the sign-out form's CSRF token. The kept copy holds markers
for them and each request writes its own values in, escaped as Jinja would have.

`FRAME_CACHE = False` renders the frame afresh on every request, with the real values (the
tests compare both renderings). The frame's templates are `templates/frame/*.html`.
"""

import re
from urllib.parse import quote_plus

from flask import current_app, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from app.core.catalogs import locale_code
from app.core.i18n import LANGUAGE_NAMES, lang_url, lang_url_around

_KEPT = "doimpact.frame"
_MAX_KEPT = 4096  # a bound, far above what the endpoints x languages x role sets give
# Markers: NUL never occurs in a template's text, and escaping leaves it as it is.
_BEFORE_LANG, _AFTER_LANG, _CSRF = "\x00lang-before\x00", "\x00lang-after\x00", "\x00csrf\x00"
_MARKERS = re.compile("|".join(map(re.escape, (_BEFORE_LANG, _AFTER_LANG, _CSRF))))


def _marked_lang_url(locale: str) -> str:
    return _BEFORE_LANG + quote_plus(locale) + _AFTER_LANG


def _marked_csrf_token() -> str:
    return _CSRF


def _render(name: str, code: str, lang_url_of, csrf_token) -> str:
    template = current_app.jinja_env.get_template(f"frame/{name}.html")
    return template.render(
        current_user=current_user,
        current_locale=code,
        language_names=LANGUAGE_NAMES,
        lang_url=lang_url_of,
        csrf_token=csrf_token,
    ).strip()


def frame(name: str) -> Markup:
    """The frame part `name` ("head", "header", "footer") of this request's page."""
    code = locale_code()
    if not current_app.config["FRAME_CACHE"]:
        return Markup(_render(name, code, lang_url, generate_csrf))  # noqa: S704 -- Jinja's output
    signed_in = current_user.is_authenticated
    key = (
        name,
        code,
        request.endpoint,
        request.script_root,
        signed_in,
        frozenset(current_user.role_names) if signed_in else None,
    )
    kept = current_app.extensions.setdefault(_KEPT, {})
    html = kept.get(key)
    if html is None:
        html = _render(name, code, _marked_lang_url, _marked_csrf_token)
        if len(kept) >= _MAX_KEPT:
            kept.clear()
        kept[key] = html
    if "\x00" in html:
        values = {}
        if _BEFORE_LANG in html:
            before, after = lang_url_around()
            values[_BEFORE_LANG], values[_AFTER_LANG] = str(escape(before)), str(escape(after))
        if _CSRF in html:
            values[_CSRF] = str(escape(generate_csrf()))
        # One pass: a value written in (a path) is never searched for markers itself.
        html = _MARKERS.sub(lambda found: values[found.group(0)], html)
    return Markup(html)  # noqa: S704 -- Jinja's output, with escaped values written in


def init_app(app) -> None:
    app.jinja_env.globals["frame"] = frame
