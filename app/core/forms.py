"""The form base class: WTForms' own messages go through our catalogs."""

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Email, InputRequired, Length

# WTForms' built-in messages that our forms can show, so extraction puts them in our catalogs
# (WTForms ships no Latvian or Lithuanian translations).
WTFORMS_MESSAGES = (
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("This field is required."),
    _l("Not a valid integer value."),
)


class _Translations:
    def gettext(self, string):
        return gettext(string)

    def ngettext(self, singular, plural, n):
        return ngettext(singular, plural, n)


class BaseForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _Translations()


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
