"""Texts shown in a fallback language carry `lang` and a visible badge naming the language; a
learner's own second language (profile) comes before the built-in chain (ca -> es -> en)."""

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.accounts.models import User
from app.core.fallback import lang_badge, pick
from app.courses.models import LessonText
from app.extensions import db
from tests.conftest import count_queries, in_app
from tests.courses.test_learning import enrolled_client


def set_second(app, user_id, code):
    with in_app(app):
        db.session.get(User, user_id).second_locale = code
        db.session.commit()


def badge(app, code, reader):
    """The badge a reader of `reader` sees after a text in `code`, as the page renders it."""
    with app.test_request_context(), force_locale(reader):
        return str(lang_badge(pick({code: "x"}, reader)))


def card(html, href):
    """The catalog card that links to `href`."""
    [found] = [part for part in html.split('<li class="card">')[1:] if f'href="{href}"' in part]
    return found


@pytest.fixture
def catalan(make_user, synced):
    return make_user(locale="ca")


def test_a_catalan_reader_sees_spanish_marked_with_lang_and_a_badge(app, client, login_as, catalan):
    login_as(client, catalan)
    html = client.get("/courses").get_data(as_text=True)
    sample = card(html, "/courses/sample")
    spanish = badge(app, "es", "ca")
    assert 'lang="es">Curso de ejemplo</a>' in sample
    assert 'class="lang-badge" lang="ca"' in spanish and "espanyol" in spanish
    assert spanish in sample
    # The summary is Spanish too: it gets its lang, the title's badge already names the language.
    assert '<p lang="es">Un curso pequeño para las pruebas.</p>' in sample
    # A course with an English text only: English, named as such.
    follow = card(html, "/courses/follow-up")
    assert 'lang="en">Green follow-up</a>' in follow and badge(app, "en", "ca") in follow

    course = client.get("/courses/sample").get_data(as_text=True)
    assert '<h1 lang="es">Curso de ejemplo</h1>' in course
    assert "espanyol" in re.search(r'<p class="notice">.*?</p>', course, re.S).group(0)
    assert '<span lang="es">Lo básico</span>' in course  # named by the notice: no second badge


def test_the_second_language_on_the_profile_comes_first(app, client, login_as, catalan):
    set_second(app, catalan, "en")
    login_as(client, catalan)
    sample = card(client.get("/courses").get_data(as_text=True), "/courses/sample")
    assert 'lang="en">Sample course</a>' in sample and badge(app, "en", "ca") in sample
    assert "Curso de ejemplo" not in sample
    course = client.get("/courses/sample").get_data(as_text=True)
    assert '<h1 lang="en">Sample course</h1>' in course
    assert "anglès" in re.search(r'<p class="notice">.*?</p>', course, re.S).group(0)
    # The search reads what the reader sees.
    assert 'href="/courses/sample"' in client.get("/courses?q=sample+course").get_data(as_text=True)
    assert 'href="/courses/sample"' not in client.get("/courses?q=curso").get_data(as_text=True)


def test_a_signed_out_reader_keeps_the_built_in_chain(app, client, synced):
    html = client.get("/courses?lang=ca").get_data(as_text=True)
    assert 'lang="es">Curso de ejemplo</a>' in card(html, "/courses/sample")


@pytest.mark.parametrize(("locale", "title"), [("es", "Curso de ejemplo"), ("lv", "Parauga kurss")])
def test_a_text_in_the_readers_language_has_no_badge_and_no_lang(
    app, client, synced, locale, title
):
    html = client.get(f"/courses?lang={locale}").get_data(as_text=True)
    sample = card(html, "/courses/sample")
    assert f'<a href="/courses/sample">{title}</a></h2>' in sample
    assert "lang-badge" not in sample
    course = client.get(f"/courses/sample?lang={locale}").get_data(as_text=True)
    assert f"<h1>{title}</h1>" in course and 'class="notice"' not in course


def test_a_lesson_says_which_language_it_is_shown_in(app, login_as, catalan):
    client = enrolled_client(app, login_as, catalan)
    html = client.get("/courses/sample/lessons/first-steps").get_data(as_text=True)
    assert '<article class="lesson" lang="es">' in html and "<h1>Primeros pasos</h1>" in html
    notice = re.search(r'<p class="notice".*?</p>', html, re.S).group(0)
    assert "espanyol" in notice
    assert "/courses/sample/lessons/first-steps?read=en" in notice  # the English original
    assert 'href="/profile"' in notice  # where to choose a second language
    # In the outline, a lesson that has no Spanish text is English, and says so.
    outline = r'<li><a href="/courses/sample/lessons/second-steps".*?</li>'
    second = re.search(outline, html).group(0)
    assert '<span lang="en">Second steps</span>' in second and badge(app, "en", "ca") in second

    set_second(app, catalan, "en")
    html = client.get("/courses/sample/lessons/first-steps").get_data(as_text=True)
    assert '<article class="lesson" lang="en">' in html and "<h1>First steps</h1>" in html
    notice = re.search(r'<p class="notice".*?</p>', html, re.S).group(0)
    assert "anglès" in notice and 'href="/profile"' not in notice


def test_reading_in_the_second_language_adds_no_query(app, login_as, catalan):
    client = enrolled_client(app, login_as, catalan)
    path = "/courses/sample/lessons/first-steps"
    client.get(path)
    with count_queries(app, selects_only=True) as without:
        assert client.get(path).status_code == 200
    set_second(app, catalan, "lv")
    client.get(path)  # the changed user is read afresh once (accounts: load_session_user)
    with count_queries(app, selects_only=True) as with_second:
        html = client.get(path).get_data(as_text=True)
    assert "<h1>Pirmie soļi</h1>" in html
    assert len(with_second) == len(without)
    with in_app(app):  # the lesson is read in one query whatever the chain
        assert db.session.scalar(select(LessonText).where(LessonText.locale == "lv")) is not None


def test_quiz_texts_in_a_fallback_language_are_marked(app, login_as, catalan):
    client = enrolled_client(app, login_as, catalan)
    html = client.get("/courses/sample/modules/basics/quiz").get_data(as_text=True)
    legend = re.search(r"<legend>.*?</legend>", html, re.S).group(0)
    assert '<span lang="en">' in legend and badge(app, "en", "ca") in legend


def test_workshop_titles_and_descriptions_are_marked(
    app, client, make_workshop, make_user, login_as
):
    _organiser, workshop = make_workshop(descriptions={"en": "Shared documents in practice."})
    index = client.get("/workshops?lang=ca").get_data(as_text=True)
    assert '<span lang="en">Shared calendars for cooperatives</span>' in index
    assert badge(app, "en", "ca") in index
    detail = client.get(f"/workshops/{workshop}?lang=ca").get_data(as_text=True)
    assert '<h1><span lang="en">Shared calendars for cooperatives</span>' in detail
    assert '<div class="bio" lang="en">' in detail  # the title's badge names it already
    swedish = client.get(f"/workshops/{workshop}?lang=sv").get_data(as_text=True)
    assert "<h1>Delade kalendrar för kooperativ " in swedish
    description = re.search(r'<div class="bio".*?</div>', swedish, re.S).group(0)
    assert 'lang="en"' in description and badge(app, "en", "sv") in description

    reader = make_user(locale="ca")
    set_second(app, reader, "sv")
    login_as(client, reader)
    detail = client.get(f"/workshops/{workshop}").get_data(as_text=True)
    assert '<h1><span lang="sv">Delade kalendrar för kooperativ</span>' in detail
    assert badge(app, "sv", "ca") in detail


def test_mail_and_calendar_use_the_readers_second_language(app, make_workshop, make_user):
    from app.workshops.messages import calendar_event
    from app.workshops.models import Workshop

    _organiser, workshop = make_workshop()
    reader = make_user(locale="ca")
    set_second(app, reader, "sv")
    with in_app(app):
        event = calendar_event(db.session.get(Workshop, workshop), db.session.get(User, reader))
        assert event.summary == "Delade kalendrar för kooperativ"


def test_a_mentor_bio_in_another_language_is_marked(app, client, make_mentor, make_user, login_as):
    _user, profile = make_mentor(
        bios={"en": "I help cooperatives.", "lv": "Palīdzu kooperatīviem."}
    )
    reader = make_user(locale="ca")
    login_as(client, reader)
    bio = re.search(
        r'<div class="bio".*?</div>', client.get(f"/mentors/{profile}").get_data(as_text=True), re.S
    ).group(0)
    assert bio.startswith('<div class="bio" lang="en">') and badge(app, "en", "ca") in bio
    set_second(app, reader, "lv")
    bio = re.search(
        r'<div class="bio".*?</div>', client.get(f"/mentors/{profile}").get_data(as_text=True), re.S
    ).group(0)
    assert bio.startswith('<div class="bio" lang="lv">') and "Palīdzu" in bio
    assert badge(app, "lv", "ca") in bio
    own = re.search(
        r'<div class="bio".*?</div>',
        client.get(f"/mentors/{profile}?lang=en").get_data(as_text=True),
        re.S,
    ).group(0)
    assert own.startswith('<div class="bio">') and "lang-badge" not in own


def test_the_catalogs_kept_cards_follow_each_readers_languages(app, client, login_as, catalan):
    """Cards are kept per worker and per reader's languages (courses.views.course_card)."""
    login_as(client, catalan)
    first = card(client.get("/courses").get_data(as_text=True), "/courses/sample")
    assert card(client.get("/courses").get_data(as_text=True), "/courses/sample") == first
    assert 'lang="es">Curso de ejemplo</a>' in first
    set_second(app, catalan, "lv")  # Latvian before the built-in chain
    second = card(client.get("/courses").get_data(as_text=True), "/courses/sample")
    assert 'lang="lv">Parauga kurss</a>' in second and badge(app, "lv", "ca") in second
    anonymous = app.test_client()  # no second language: the built-in chain again
    assert card(anonymous.get("/courses?lang=ca").get_data(as_text=True), "/courses/sample") == (
        first
    )
    english = card(anonymous.get("/courses?lang=en").get_data(as_text=True), "/courses/sample")
    assert ">Sample course</a>" in english and "lang-badge" not in english
