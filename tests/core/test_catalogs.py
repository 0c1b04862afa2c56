"""Template translations and language links: the fast paths give what Flask-Babel gives."""

from urllib.parse import urlencode

import flask_babel
import pytest
from flask import render_template_string, request
from markupsafe import escape

from app.config import LOCALES
from app.core.i18n import lang_url

STRINGS = ["Courses", "Sign in", "Choose a country", "Page %(page)s of %(pages)s"]


@pytest.mark.parametrize("locale", LOCALES)
def test_template_strings_are_flask_babels(app, locale):
    with app.test_request_context(f"/?lang={locale}"):
        app.preprocess_request()
        for string in STRINGS:
            expected = flask_babel.gettext(string, page=2, pages=3)
            html = render_template_string("{{ _(s, page=2, pages=3) }}", s=string)
            assert html == str(escape(expected))
        plural = render_template_string(
            '{{ ngettext("%(num)d course found.", "%(num)d courses found.", 12) }}'
        )
        assert plural == flask_babel.ngettext("%(num)d course found.", "%(num)d courses found.", 12)
        context = render_template_string('{{ pgettext("event", "Cancelled") }}')
        assert context == flask_babel.pgettext("event", "Cancelled")


def test_template_strings_follow_force_locale_within_a_request(app):
    with app.test_request_context("/?lang=it"):
        app.preprocess_request()
        italian = render_template_string('{{ _("Courses") }}')
        with flask_babel.force_locale("sv"):
            swedish = render_template_string('{{ _("Courses") }}')
        again = render_template_string('{{ _("Courses") }}')
    assert italian == again == "Corsi"
    assert swedish == "Kurser"


def test_template_strings_escape_values_and_read_percent_signs(app):
    with app.test_request_context("/"):
        html = render_template_string('{{ _("Welcome, %(name)s.", name="<b>Ann</b>") }}')
        assert html == "Welcome, &lt;b&gt;Ann&lt;/b&gt;."
        assert render_template_string('{{ _("100%% sure") }}') == "100% sure"
        # ngettext with a keyword named like Jinja's own (the page passes num= itself)
        html = render_template_string(
            '{{ ngettext("%(num)d of %(total)d lesson done", "%(num)d of %(total)d lessons done",'
            " 5, num=2, total=5) }}"
        )
        assert html == "2 of 5 lessons done"


@pytest.mark.parametrize(
    "query",
    ["", "q=cloud", "lang=it", "q=a+b&lang=it&page=2", "a=1&a=2&b=%C3%A0", "page=3&lang=xx"],
)
def test_lang_url_sets_lang_in_place(app, query):
    with app.test_request_context(f"/courses?{query}"):
        for locale in LOCALES:
            args = request.args.to_dict(flat=False)
            args["lang"] = [locale]
            assert lang_url(locale) == "/courses?" + urlencode(args, doseq=True)


def test_a_page_looks_its_catalog_up_once(app, monkeypatch):
    """Flask-Babel resolved app, domain and locale again for each string of a page."""
    looked_up = []
    original = flask_babel.get_translations

    def counting():
        looked_up.append(1)
        return original()

    monkeypatch.setattr(flask_babel, "get_translations", counting)
    with app.test_request_context("/?lang=lv"):
        app.preprocess_request()
        html = render_template_string("{% for i in range(40) %}{{ _('Courses') }}{% endfor %}")
    assert html == "Kursi" * 40
    assert len(looked_up) == 1
