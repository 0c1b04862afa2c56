"""The form base class: WTForms' own messages go through our catalogs."""

from flask_babel import get_translations
from flask_wtf import FlaskForm
from wtforms import DateTimeField, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectFieldBase, SelectMultipleField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from app.core import text
from app.core.catalogs import lazy_gettext as _l
from app.core.timeutil import MAX_YEAR, MIN_YEAR

# WTForms' built-in messages that our forms can show, so extraction puts them in our catalogs
# (WTForms ships no Latvian or Lithuanian translations).
WTFORMS_MESSAGES = (
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("This field is required."),
    _l("Not a valid integer value."),
    _l("Not a valid date value."),
)


NOT_A_CHOICE = _l("Not a valid choice.")
DATE_OUT_OF_RANGE = _l("Choose a date between the years %(first)s and %(last)s.")


class _Translations:
    """The catalogs as WTForms expects them: the translated text, not yet formatted.

    WTForms fills in its own placeholders afterwards ("'%(value)s' is not a valid choice");
    Flask-Babel's ngettext formats at once with only `num` and raised KeyError: 'value'.
    """

    def gettext(self, string):
        return get_translations().ugettext(string)

    def ngettext(self, singular, plural, n):
        return get_translations().ungettext(singular, plural, n)


def _no_placeholders(count) -> str:
    # WTForms applies "% {'value': ...}" to this message; a "%" in a translation must survive it.
    return str(NOT_A_CHOICE).replace("%", "%%")


def sane_date(form, field) -> None:
    """Refuse years a calendar, a time-zone conversion or the database cannot hold."""
    year = getattr(field.data, "year", None)
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationError(str(DATE_OUT_OF_RANGE % {"first": MIN_YEAR, "last": MAX_YEAR}))


def protect(field) -> None:
    """Give a bound field the checks its kind needs, so no form can forget them:
    text is normalised (NFC, no NUL, no direction controls), single-line text refuses control
    characters, text must show something, choices answer with our own translated message and
    dates stay within years we can compute with. Passwords are compared as typed."""
    if isinstance(field, PasswordField):
        return
    if isinstance(field, TextAreaField):
        field.filters = (text.text_filter, *field.filters)
        field.validators = [*field.validators, text.visible]
    elif isinstance(field, StringField):
        field.filters = (text.line_filter, *field.filters)
        if not isinstance(field, HiddenField):  # never shown, so an error there helps no one
            field.validators = [*field.validators, text.one_line, text.visible]
    elif isinstance(field, SelectFieldBase):
        if getattr(field, "invalid_choice_message", "") is None:
            many = isinstance(field, SelectMultipleField)
            field.invalid_choice_message = _no_placeholders if many else NOT_A_CHOICE
        if getattr(field, "invalid_value_message", "") is None:
            field.invalid_value_message = NOT_A_CHOICE
    elif isinstance(field, DateTimeField):
        field.validators = [*field.validators, sane_date]


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _Translations()

        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            protect(field)
            return field


class EmptyForm(BaseForm):
    """A form with only the CSRF token, for buttons that change state (every domain uses it)."""


def required(message=None):
    return DataRequired(message=message or _l("This field is required."))


def input_required(message=None):
    return InputRequired(message=message or _l("This field is required."))


def valid_email():
    return Email(message=_l("Please enter a valid e-mail address."), check_deliverability=False)


def max_length(limit: int):
    return Length(max=limit, message=_l("This text is too long."))


def show_error(form, error) -> None:
    """Put a domain error under its field when the form has that field, else flash it."""
    from flask import flash

    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


def commit_or_show(action, form=None, success=None) -> tuple[bool, object]:
    """Run a service call and commit; on a DomainError roll back and show it (under its field
    when the form has one, else as a flash). Returns (done, what the call returned)."""
    from flask import flash

    from app.core.errors import DomainError
    from app.extensions import db

    try:
        result = action()
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        show_error(form, error)
        return False, None
    if success:
        flash(str(success), "success")
    return True, result
