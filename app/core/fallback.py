"""Texts kept per language ({locale: text}) read along a fallback chain, saying which one is shown.

Course, module and lesson titles, quiz texts, workshop titles and descriptions and mentor bios
are entered in some languages only. A reader gets their own language when there is one, then the
second language they chose on their profile, then the built-in chain (Catalan readers get Spanish
before English), then English, then whatever exists. `Picked` carries the language that was
used, so a page can mark the text with `lang` and a badge naming the language.
"""

from typing import NamedTuple

from flask import g, has_request_context
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from app.config import LOCALES
from app.core.catalogs import py_pgettext as pgettext

# What a reader of a language understands next, before English.
FALLBACKS = {"ca": ("ca", "es", "en")}


def fallback_chain(locale: str, second: str | None = None) -> tuple[str, ...]:
    """The languages to try for a reader of `locale` whose own second language is `second`."""
    built = FALLBACKS.get(locale) or ((locale, "en") if locale != "en" else ("en",))
    if not second or second == locale or second not in LOCALES:
        return built
    return (locale, second, *(code for code in built[1:] if code != second))


class Picked(NamedTuple):
    """A text, the language it is in, and the language its reader wanted."""

    text: str
    lang: str
    wanted: str

    @property
    def fallback(self) -> bool:
        """True when the text is shown in another language than the reader's."""
        return bool(self.text) and self.lang != self.wanted

    def __str__(self) -> str:
        return self.text


def pick(texts: dict | None, locale: str, second: str | None = None) -> Picked:
    """The text for a reader of `locale` (second language `second`) from a {locale: text} map."""
    texts = texts or {}
    for candidate in fallback_chain(locale, second):
        if texts.get(candidate):
            return Picked(texts[candidate], candidate, locale)
    for code in sorted(texts):
        if texts[code]:
            return Picked(texts[code], code, locale)
    return Picked("", locale, locale)


# --- in templates ----------------------------------------------------------------------------


def language_in_words(code: str) -> str:
    """The name of a language in the reader's language, as it reads inside a sentence."""
    from babel import Locale

    return Locale.parse(code).get_display_name(get_locale()) or code


def reader_languages() -> tuple[str, str | None]:
    """The page's language and the signed-in reader's second language (None when signed out)."""
    locale = str(get_locale())
    if not has_request_context():
        return locale, None
    # A page asks for every text it shows: the user is read once per request and language.
    known = g.get("_reader_languages")
    if known is not None and known[0] == locale:
        return known
    second = None
    if current_user and current_user.is_authenticated:
        second = getattr(current_user, "second_locale", None)
    g._reader_languages = (locale, second)
    return locale, second


def pick_for_reader(texts: dict | None) -> Picked:
    return pick(texts, *reader_languages())


def text_in(text: str, lang: str) -> Picked:
    """A text kept in one language only (a material's title), as the page's reader meets it."""
    return Picked(text or "", lang, str(get_locale()))


def lang_attr(picked: Picked) -> Markup:
    """` lang="xx"` for an element holding a text in another language than the page's."""
    return Markup(' lang="%s"') % picked.lang if picked.fallback else Markup("")


def lang_badge(picked: Picked, noted: str | None = None) -> Markup:
    """A visible badge naming the text's language, when it is not the page's.

    `noted` is a language the page already names in a notice (the lesson's own language, say):
    texts in it keep their `lang` attribute but need no badge of their own."""
    if not picked.fallback or picked.lang == noted:
        return Markup("")

    label = pgettext(
        "badge after a text shown in another language",
        "in %(language)s",
        language=language_in_words(picked.lang),
    )
    return Markup(' <span class="lang-badge" lang="%s">%s</span>') % (picked.wanted, label)


def shown(picked: Picked, noted: str | None = None) -> Markup:
    """The text, in a `<span lang>` with a badge when it is not in the page's language."""
    if not picked.fallback:
        return escape(picked.text)
    return Markup('<span lang="%s">%s</span>') % (picked.lang, picked.text) + lang_badge(
        picked, noted
    )


def init_app(app) -> None:
    app.jinja_env.globals.update(
        pick=pick_for_reader,
        text_in=text_in,
        lang_attr=lang_attr,
        lang_badge=lang_badge,
        shown=shown,
    )
