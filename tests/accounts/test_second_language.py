"""A learner's own second language on the profile: saved, cleared, and refused when unknown or
the same as the preferred language, with an error in the learner's language."""

import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _

from app.accounts import services
from app.accounts.models import User
from app.core.errors import DomainError
from app.core.forms import NOT_A_CHOICE
from app.extensions import db
from tests.conftest import in_app

PROFILE = {"name": "Núria Puig", "country": "ES", "locale": "ca", "timezone": "Europe/Madrid"}


@pytest.fixture
def form(make_org):
    """What the profile form posts (the person belongs to an organisation)."""
    return {**PROFILE, "organisation": str(make_org(country="ES")), "org_name": ""}


def second_of(app, user_id):
    with in_app(app):
        return db.session.get(User, user_id).second_locale


def field_error(html: str) -> str:
    match = re.search(r'<p class="error" id="second_locale-error">(.*?)</p>', html, re.S)
    assert match, "no error under the second-language field"
    return match.group(1)


def test_the_profile_saves_and_clears_the_second_language(app, client, make_user, login_as, form):
    user = make_user(locale="ca")
    login_as(client, user)
    page = client.get("/profile").get_data(as_text=True)
    assert 'id="second_locale" name="second_locale"><option value="">' in page
    assert 'aria-describedby="second_locale-hint"' in page
    assert client.post("/profile", data={**form, "second_locale": "en"}).status_code == 302
    assert second_of(app, user) == "en"
    assert '<option selected value="en">' in client.get("/profile").get_data(as_text=True)
    assert client.post("/profile", data={**form, "second_locale": ""}).status_code == 302
    assert second_of(app, user) is None


@pytest.mark.parametrize("reader", ["en", "lv"])
def test_an_unknown_or_same_second_language_is_refused_in_the_readers_language(
    app, client, make_user, login_as, form, reader
):
    user = make_user(locale=reader)
    login_as(client, user)
    client.post("/profile", data={**form, "locale": reader, "second_locale": "es"})
    assert second_of(app, user) == "es"
    with app.test_request_context(), force_locale(reader):
        not_a_choice = str(NOT_A_CHOICE)
        same = _("Choose a second language other than your preferred language.")

    unknown = client.post("/profile", data={**form, "locale": reader, "second_locale": "xx"})
    assert unknown.status_code == 200
    assert field_error(unknown.get_data(as_text=True)) == not_a_choice
    assert second_of(app, user) == "es"

    twice = client.post("/profile", data={**form, "locale": "es", "second_locale": "es"})
    assert twice.status_code == 200
    assert field_error(twice.get_data(as_text=True)) == same
    with in_app(app):
        saved = db.session.get(User, user)
        assert (saved.locale, saved.second_locale) == (reader, "es")  # nothing half-saved


def test_the_service_refuses_what_the_form_would(app, make_user):
    user_id = make_user(locale="ca")
    with in_app(app):
        user = db.session.get(User, user_id)
        for second, message in (
            ("xx", "Please choose a language from the list."),
            ("ca", "Choose a second language other than your preferred language."),
        ):
            with pytest.raises(DomainError) as raised:
                services.update_profile(user, **{**PROFILE, "second_locale": second})
            assert (raised.value.field, str(raised.value.message)) == ("second_locale", message)
            db.session.rollback()
        services.update_profile(user, **{**PROFILE, "second_locale": "it"})
        db.session.commit()
        assert db.session.get(User, user_id).second_locale == "it"


def test_sign_up_does_not_ask_for_a_second_language(client):
    assert "second_locale" not in client.get("/signup").get_data(as_text=True)


def test_the_second_language_is_in_the_personal_data_export(app, make_user):
    from app.accounts.privacy import export_data

    user_id = make_user(locale="ca")
    with in_app(app):
        user = db.session.get(User, user_id)
        user.second_locale = "en"
        assert export_data(user)["user"]["second_locale"] == "en"
