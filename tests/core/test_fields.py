"""filter_field() writes exactly what the `field` macro writes, without its cost."""

import pytest
from flask import get_template_attribute, request
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

from app.core.fields import filter_field
from app.core.forms import BaseForm, max_length
from app.courses.forms import CatalogForm


class Filters(BaseForm):
    class Meta:
        csrf = False

    q = StringField('Search <courses> & "more"', validators=[Optional(), max_length(100)])
    pick = SelectField("Pick one", validators=[Optional()], validate_choice=False)
    twin = BooleanField("Only 'twin' courses")
    needed = SelectField("Needed", validators=[DataRequired()], validate_choice=False)


QUERIES = [
    "",
    "q=cloud&pick=b&twin=y",
    "q=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&pick=%3Cx%3E&twin=on",
    "pick=not-a-choice&twin=",
    "q=%C3%A0%20%26%20%C3%B2&pick=",
]


@pytest.mark.parametrize("query", QUERIES)
def test_filter_field_matches_the_field_macro(app, query):
    with app.test_request_context(f"/courses?{query}"):
        macro = get_template_attribute("macros.html", "field")
        form = Filters(request.args)
        form.pick.choices = [("", "Any"), ("a", "A & B"), ("b", "<b>"), ("<x>", 'quote "x"')]
        form.needed.choices = [("", "Any"), ("x", "X")]
        form.pick.errors = []
        for field in form:
            assert str(filter_field(field)) == str(macro(field)), field.name


@pytest.mark.parametrize("locale", ["en", "lv", "ca"])
@pytest.mark.parametrize("query", [*QUERIES[:3], "language=lv&area=2&level=advanced&twin=y"])
def test_the_catalog_filters_read_the_same(app, locale, query):
    with app.test_request_context(f"/courses?lang={locale}&{query}"):
        app.preprocess_request()
        macro = get_template_attribute("macros.html", "field")
        form = CatalogForm(request.args)
        form.fill()
        for field in form:
            assert str(filter_field(field)) == str(macro(field)), field.name


def test_a_field_with_an_error_goes_through_the_macro(app):
    with app.test_request_context("/courses?q=" + "x" * 101):
        form = Filters(request.args)
        form.pick.choices = [("", "Any")]
        form.needed.choices = [("", "Any")]
        assert not form.validate()
        html = str(filter_field(form.q))
        assert html == str(get_template_attribute("macros.html", "field")(form.q))
        assert 'aria-invalid="true"' in html and 'class="error"' in html
