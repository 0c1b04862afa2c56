"""Course forms."""

from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from app.config import LANGUAGE_NAMES, LOCALES
from app.core.catalogs import lazy_gettext as _l
from app.core.forms import BaseForm, max_length, required, valid_email

from .frameworks import DIGCOMP_AREAS, LEVELS


class CatalogForm(BaseForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search courses"), validators=[Optional(), max_length(100)])
    language = SelectField(_l("Available in"), validators=[Optional()], validate_choice=False)
    area = SelectField(_l("DigComp area"), validators=[Optional()], validate_choice=False)
    level = SelectField(_l("Level"), validators=[Optional()], validate_choice=False)
    twin = BooleanField(_l("Only green and digital (twin transition) courses"))

    def fill(self) -> None:
        anything = ("", str(_l("Any")))
        self.language.choices = [anything] + [(c, LANGUAGE_NAMES[c]) for c in LOCALES]
        self.area.choices = [anything] + [(k, f"{k}. {v}") for k, v in DIGCOMP_AREAS.items()]
        self.level.choices = [anything] + [(k, str(v)) for k, v in LEVELS.items()]


class ManualCompletionForm(BaseForm):
    email = EmailField(
        _l("Learner's e-mail address"), validators=[required(), valid_email(), max_length(254)]
    )
    reason = TextAreaField(
        _l("Why (for example the date and place of the face-to-face training)"),
        validators=[required(), max_length(1000)],
    )
