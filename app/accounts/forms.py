"""Account forms. Every validator carries a message of ours, so every language gets it."""

from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import Optional

from app.core.catalogs import lazy_gettext as _l
from app.core.forms import BaseForm, input_required, max_length, required, valid_email


def _optional_int(value):
    if value in (None, "", "None"):
        return None
    return int(value)


class ProfileForm(BaseForm):
    name = StringField(_l("Full name"), validators=[required(), max_length(120)])
    country = SelectField(_l("Country"), validators=[required()])
    organisation = SelectField(_l("Organisation"), coerce=_optional_int, validate_choice=False)
    org_name = StringField(
        _l("Name of the new organisation"), validators=[Optional(), max_length(200)]
    )
    org_kind = SelectField(_l("Kind of organisation"), validate_choice=False)
    org_country = SelectField(_l("Country of the organisation"), validate_choice=False)
    org_parent = SelectField(
        _l("Supporting network (optional)"), coerce=_optional_int, validate_choice=False
    )
    locale = SelectField(_l("Preferred language"), validators=[required()])
    second_locale = SelectField(_l("Second language"), default="")
    timezone = SelectField(_l("Time zone"), validators=[required()])


class SignupForm(ProfileForm):
    second_locale = None  # chosen later on the profile: sign-up stays short
    email = EmailField(
        _l("E-mail address"), validators=[required(), valid_email(), max_length(254)]
    )
    password = PasswordField(_l("Password"), validators=[required()])
    consent = BooleanField(
        _l("I have read the privacy notice and agree that my data is processed as it describes."),
        validators=[input_required(_l("Please accept the privacy notice to create an account."))],
    )


class SigninForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[required(), max_length(254)])
    password = PasswordField(_l("Password"), validators=[required()])
    next = HiddenField()


class ForgotPasswordForm(BaseForm):
    email = EmailField(
        _l("E-mail address"), validators=[required(), valid_email(), max_length(254)]
    )


class ResetPasswordForm(BaseForm):
    password = PasswordField(_l("New password"), validators=[required()])


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(_l("Current password"), validators=[required()])
    new_password = PasswordField(_l("New password"), validators=[required()])


class ResendConfirmationForm(BaseForm):
    email = EmailField(
        _l("E-mail address"), validators=[required(), valid_email(), max_length(254)]
    )


class UserSearchForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search by name, e-mail or organisation"), validators=[Optional()])


class EraseAccountForm(BaseForm):
    password = PasswordField(_l("Your password, to confirm"), validators=[required()])
