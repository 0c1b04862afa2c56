"""Locale and time-zone selection, and the ?lang= switch."""

from urllib.parse import quote_plus, urlencode

from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from app.config import LANGUAGE_NAMES, LOCALES
from app.core.fallback import language_in_words

# The language a signed-in person picked from the menu, kept in the browser session only.
SESSION_KEY = "lang"


def normalise_locale(value: str | None) -> str | None:
    """Map 'ca-ES', 'sv_FI' or 'LV' to a supported locale, or None."""
    if not value:
        return None
    base = value.replace("_", "-").split("-", 1)[0].lower()
    return base if base in LOCALES else None


def select_locale() -> str:
    """?lang= > this browser's choice > profile (signed in) > cookie > Accept-Language > en.

    A signed-in person's choice from the language menu lasts for the browser session (it is
    cleared at sign-in); their saved language, used for e-mails, changes only on the profile.
    """
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = g.get("lang_choice")
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated:
        browsing = normalise_locale(session.get(SESSION_KEY))
        if browsing:
            return browsing
        if current_user.locale in LOCALES:
            return current_user.locale
    cookie = normalise_locale(request.cookies.get(current_app.config["LANG_COOKIE"]))
    if cookie:
        return cookie
    accepted = [(normalise_locale(lang), quality) for lang, quality in request.accept_languages]
    for lang, _quality in sorted(accepted, key=lambda pair: -pair[1]):
        if lang:
            return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]


def init_app(app) -> None:
    from app.core import catalogs, fallback

    fallback.init_app(app)  # pick, lang_attr, lang_badge, shown for templates
    catalogs.init_app(app)  # _(), ngettext() ... in templates, after babel.init_app

    @app.before_request
    def take_language_choice():
        """Remember ?lang= for this browser only: a GET never changes what is stored."""
        chosen = normalise_locale(request.args.get("lang"))
        if not chosen:
            return
        g.lang_choice = chosen
        # Stored only when it changes: an unchanged session cookie is not signed and sent again.
        if current_user.is_authenticated and session.get(SESSION_KEY) != chosen:
            session[SESSION_KEY] = chosen

    @app.after_request
    def remember_language_choice(response):
        chosen = g.get("lang_choice")
        if chosen and request.cookies.get(app.config["LANG_COOKIE"]) != chosen:
            response.set_cookie(
                app.config["LANG_COOKIE"],
                chosen,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
            )
        response.headers.add("Vary", "Accept-Language, Cookie")
        return response

    @app.context_processor
    def language_context():
        return {
            "language_names": LANGUAGE_NAMES,
            "current_locale": str(get_locale()),
            "lang_url": lang_url,
            "language_in_words": language_in_words,
        }


def lang_url(locale: str) -> str:
    """Return the current URL with ?lang= set to the given locale.

    Every page links all seven languages twice; the query around `lang` is encoded once."""
    around = lang_url_around()
    return around[0] + quote_plus(locale) + around[1]


def lang_url_around() -> tuple[str, str]:
    """This request's URL before and after the value of `lang` (computed once a request)."""
    around = g.get("_lang_url_around")
    if around is None:
        around = g._lang_url_around = _around_lang()
    return around


def _around_lang() -> tuple[str, str]:
    """What comes before and after the value of `lang` in this URL with `lang` set (it keeps
    its place when the query has it, else comes last)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = []
    keys = list(args)
    at = keys.index("lang")
    before = urlencode({key: args[key] for key in keys[:at]}, doseq=True)
    after = urlencode({key: args[key] for key in keys[at + 1 :]}, doseq=True)
    return (
        request.path + "?" + (before + "&" if before else "") + "lang=",
        "&" + after if after else "",
    )
