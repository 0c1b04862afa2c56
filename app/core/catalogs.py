"""The request's translation catalog and locale code, resolved once, not per string.

Flask-Babel's own template callables look up the app, the request's Babel context, the domain
and the locale (whose `str()` alone costs microseconds) for every `_()`; Jinja then wraps them
twice more (the `_` alias and the "newstyle" formatting). A page with forty strings spent about a
millisecond there. These callables give the same text: the catalog of the locale Flask-Babel
selected, remembered beside that locale in the request's Babel context, so `force_locale` and
`flask_babel.refresh()` (which replace the locale object) are followed at once.
"""

import flask_babel
from flask import g
from flask_babel.speaklater import LazyString
from jinja2 import pass_eval_context
from markupsafe import Markup

_KEY = "doimpact_translations"
_CODE = "doimpact_locale_code"


def _babel_context():
    """Flask-Babel's per-request namespace, or None (one context lookup, not three)."""
    try:
        return g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:  # no application context
        return None


def _remembered(key: str, compute):
    """The value `compute()` gives (with the locale it was computed for), kept beside the
    request's Babel locale object: a replaced locale (`force_locale`, `refresh()`) computes it
    again."""
    babel_context = _babel_context()
    if babel_context is not None:
        remembered = babel_context.__dict__.get(key)
        if remembered is not None and remembered[0] is getattr(babel_context, "babel_locale", None):
            return remembered[1]
    value, locale = compute()
    babel_context = _babel_context()  # Flask-Babel may have created it just now
    if babel_context is not None and locale is not None:
        setattr(babel_context, key, (locale, value))
    return value


def _catalog_and_locale():
    catalog = flask_babel.get_translations()
    return catalog, getattr(_babel_context(), "babel_locale", None)


def _code_and_locale():
    locale = flask_babel.get_locale()
    return (str(locale) if locale is not None else "en"), locale


def translations():
    """The catalog Flask-Babel would use here (the request's locale, or none outside one)."""
    return _remembered(_KEY, _catalog_and_locale)


def locale_code() -> str:
    """`str(get_locale())` ("lv"), remembered beside the locale object like the catalog."""
    return _remembered(_CODE, _code_and_locale)


def _format(eval_context, text: str, variables: dict):
    """Jinja's "newstyle" rule: always a format string (so "%%" reads "%"), and in an
    autoescaped template the text is markup whose variables are escaped."""
    if eval_context.autoescape:
        text = Markup(text)  # noqa: S704 -- our catalog's text, as Jinja's own gettext treats it
    if variables or "%" in text:
        return text % variables
    return text


@pass_eval_context
def gettext(eval_context, string: str, /, **variables):
    return _format(eval_context, translations().ugettext(string), variables)


@pass_eval_context
def ngettext(eval_context, singular: str, plural: str, number: int, /, **variables):
    variables.setdefault("num", number)
    return _format(eval_context, translations().ungettext(singular, plural, number), variables)


@pass_eval_context
def pgettext(eval_context, context: str, string: str, /, **variables):
    variables.setdefault("context", context)
    return _format(eval_context, translations().upgettext(context, string), variables)


@pass_eval_context
def npgettext(eval_context, context: str, singular: str, plural: str, number: int, /, **variables):
    variables.setdefault("context", context)
    variables.setdefault("num", number)
    text = translations().unpgettext(context, singular, plural, number)
    return _format(eval_context, text, variables)


# --- in Python code: Flask-Babel's functions, on the remembered catalog ------------------------
# Same texts and formatting as flask_babel.gettext and friends (a `%` format only when variables
# are given); the lazy ones (form labels, choices) resolve at each use, in that use's language.


def py_gettext(string: str, /, **variables) -> str:
    text = translations().ugettext(string)
    return text % variables if variables else text


def py_ngettext(singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def py_pgettext(context: str, string: str, /, **variables) -> str:
    text = translations().upgettext(context, string)
    return text % variables if variables else text


def lazy_gettext(string: str, /, **variables) -> LazyString:
    return LazyString(py_gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, /, **variables) -> LazyString:
    return LazyString(py_ngettext, singular, plural, num, **variables)


def lazy_pgettext(context: str, string: str, /, **variables) -> LazyString:
    return LazyString(py_pgettext, context, string, **variables)


def init_app(app) -> None:
    """Replace Flask-Babel's template callables (call after `babel.init_app`)."""
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(
        gettext=gettext, _=gettext, ngettext=ngettext, pgettext=pgettext, npgettext=npgettext
    )
