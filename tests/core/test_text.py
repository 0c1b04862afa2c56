"""Text normalisation (app/core/text.py) and the checks every form field gets from BaseForm."""

import importlib
import inspect
import pkgutil
import unicodedata

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import MultiDict
from wtforms import DateTimeField, Form, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectFieldBase

import app as app_package
from app.core import text
from app.core.forms import BaseForm, _Translations, sane_date

NFD_NAME = unicodedata.normalize("NFD", "Bērziņa")


def test_a_line_is_normalised_and_loses_nul_and_direction_controls():
    assert NFD_NAME != "Bērziņa"
    cleaned = text.clean_line(f"\u202eAna\x00 {NFD_NAME}\u2066\u200f\u061c")
    assert cleaned == "Ana Bērziņa"
    # Joiners that scripts and emoji need stay; other controls stay for the validator to refuse.
    assert text.clean_line("👩\u200d💻 a\r\nb") == "👩\u200d💻 a\r\nb"


def test_several_lines_keep_their_breaks_in_one_form_and_lose_other_controls():
    assert text.clean_text("one\r\ntwo\rthree\u2028four\x00\x1b[31m\u202e\tfive") == (
        "one\ntwo\nthree\nfour[31m\tfive"
    )


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\tb", "a\x1bb", "a\x85b", "a\u2028b"])
def test_control_characters_are_not_one_line(value):
    assert not text.is_one_line(value)


def test_visible_text_needs_a_letter_digit_sign_or_mark():
    for invisible in ("\u200b", "\u200b \u2060\ufeff", "\u3000", "\u00ad"):
        assert not text.has_visible(invisible), repr(invisible)
    for shown in ("a", "7", "—", "€", "👍", "Ω"):
        assert text.has_visible(shown), shown


def test_a_name_from_outside_a_form_becomes_one_clean_line():
    assert text.clean_name(f"  Ana\r\n{NFD_NAME}\u202e\x00\t ") == "Ana Bērziņa"


# --- every form field gets the checks of its kind ---------------------------------------------


def _form_classes():
    """Every WTForms form class defined in the app's packages."""
    found = {}
    for module_info in pkgutil.walk_packages(app_package.__path__, "app."):
        if module_info.name.startswith("app.migrations"):
            continue
        module = importlib.import_module(module_info.name)
        for _name, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Form) and value.__module__ == module.__name__:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return found


def test_every_form_derives_from_the_base_form():
    forms = _form_classes()
    assert len(forms) >= 20
    strays = [name for name, form in forms.items() if not issubclass(form, BaseForm)]
    assert strays == [], f"forms that skip BaseForm's checks: {strays}"


def test_every_field_of_every_form_gets_the_checks_of_its_kind(app):
    unprotected = []
    text_fields = 0
    with app.test_request_context(method="POST"):
        for name, form_class in _form_classes().items():
            form = form_class(formdata=MultiDict())
            for field in form:
                where = f"{name}.{field.name} ({type(field).__name__})"
                if isinstance(field, PasswordField):
                    continue  # compared as typed
                if isinstance(field, TextAreaField):
                    text_fields += 1
                    ok = text.text_filter in field.filters and text.visible in field.validators
                elif isinstance(field, HiddenField):
                    ok = text.line_filter in field.filters
                elif isinstance(field, StringField):
                    text_fields += 1
                    ok = (
                        text.line_filter in field.filters
                        and text.one_line in field.validators
                        and text.visible in field.validators
                    )
                elif isinstance(field, SelectFieldBase):
                    ok = field.invalid_choice_message is not None
                elif isinstance(field, DateTimeField):
                    ok = sane_date in field.validators
                else:
                    continue
                if not ok:
                    unprotected.append(where)
    assert unprotected == []
    assert text_fields >= 40


def _workshop_form(app, data):
    from app.workshops.forms import WorkshopForm

    form = WorkshopForm(formdata=MultiDict(data))
    form.fill([("IT", "Italy")], [("UTC", "UTC")], [(1, "Org")], [("sample", "Sample")], [])
    return form


@pytest.mark.parametrize(
    "locale, expected", [("en", "Not a valid choice."), ("it", "Scelta non valida.")]
)
def test_unknown_choices_in_a_multi_select_give_a_translated_error(app, locale, expected):
    """WTForms' own message "'%(value)s' is not a valid choice" raised KeyError: 'value' (a 500)
    when it went through Flask-Babel's ngettext, which formats with only `num`."""
    data = [
        ("audience_countries", "IT"),
        ("audience_countries", "zz"),
        ("audience_countries", "100%"),
        ("audience_organisations", "99"),
        ("audience_organisations", "'%(value)s'"),
        ("course_keys", "nope"),
        ("language", "xx"),
    ]
    with app.test_request_context(method="POST"), force_locale(locale):
        form = _workshop_form(app, data)
        assert not form.validate()
        assert form.audience_countries.errors == [expected]
        assert form.audience_organisations.errors == [expected]
        assert form.course_keys.errors == [expected]
        assert form.language.errors == [expected]
        assert "%(value)s" not in str(form.errors)


def test_wtforms_gets_our_catalogs_unformatted(app):
    with app.test_request_context():
        many = _Translations().ngettext("'%(value)s' a", "'%(value)s' b", 2)
        assert many == "'%(value)s' b"
        assert _Translations().gettext("Field must be at least %(min)d.") == (
            "Field must be at least %(min)d."
        )


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "2201-01-01", "9999-12-31"])
def test_a_date_outside_the_years_we_keep_is_a_field_error(app, day):
    with app.test_request_context(method="POST"):
        form = _workshop_form(app, {"day": day, "deadline_day": "2030-01-01"})
        form.validate()
        assert form.day.errors == ["Choose a date between the years 1900 and 2200."]
        assert form.deadline_day.errors == []
