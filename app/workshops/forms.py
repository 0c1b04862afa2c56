"""Workshop forms."""

import re
from datetime import time

from wtforms import (
    BooleanField,
    DateField,
    FileField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import NumberRange, Optional

from app.config import LANGUAGE_NAMES, LOCALES
from app.core.catalogs import lazy_gettext as _l
from app.core.forms import BaseForm, max_length, required
from app.core.i18n import language_in_words

KIND_LABELS = {
    "workshop": _l("Workshop"),
    "training": _l("Training session"),
    "webinar": _l("Webinar"),
    "mentoring_circle": _l("Mentoring circle"),
}
MODE_LABELS = {"online": _l("Online"), "in_person": _l("In person")}


def parse_time(text: str | None) -> time | None:
    match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", text or "")
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return time(int(match.group(1)), int(match.group(2)))


class WorkshopForm(BaseForm):
    language = SelectField(_l("Language the event is held in"), validators=[required()])
    kind = SelectField(_l("Kind of event"), validators=[required()])
    mode = RadioField(_l("Where"), choices=[], validators=[required()])
    meeting_url = URLField(
        _l("Meeting link (shown to registered participants only)"),
        validators=[Optional(), max_length(500)],
    )
    venue = StringField(_l("Venue"), validators=[Optional(), max_length(200)])
    address = StringField(_l("Address"), validators=[Optional(), max_length(300)])
    country = SelectField(_l("Country"), validators=[required()])
    timezone = SelectField(_l("Time zone of the times below"), validators=[required()])
    day = DateField(_l("Date"), validators=[required()])
    start = StringField(_l("Starts at (HH:MM)"), validators=[required(), max_length(5)])
    end = StringField(_l("Ends at (HH:MM)"), validators=[required(), max_length(5)])
    capacity = IntegerField(
        _l("Places"), validators=[required(), NumberRange(1, 10000, _l("Between 1 and 10,000."))]
    )
    deadline_day = DateField(_l("Registration closes on"), validators=[required()])
    deadline_time = StringField(_l("at (HH:MM)"), validators=[required(), max_length(5)])
    audience_countries = SelectMultipleField(
        _l("Only for people from these countries (leave empty for everyone)"),
        choices=[],
        validators=[Optional()],
    )
    audience_organisations = SelectMultipleField(
        _l("Only for members of these organisations (leave empty for everyone)"),
        choices=[],
        coerce=int,
        validators=[Optional()],
    )
    course_keys = SelectMultipleField(_l("Linked courses"), choices=[], validators=[Optional()])
    digcomp = SelectMultipleField(_l("DigComp competences"), choices=[], validators=[Optional()])

    def fill(self, countries, timezones, organisations, courses, competences) -> None:
        self.language.choices = [(code, LANGUAGE_NAMES[code]) for code in LOCALES]
        self.kind.choices = [(key, str(label)) for key, label in KIND_LABELS.items()]
        self.mode.choices = [(key, str(label)) for key, label in MODE_LABELS.items()]
        self.country.choices = countries
        self.timezone.choices = timezones
        self.audience_countries.choices = countries
        self.audience_organisations.choices = organisations
        self.course_keys.choices = courses
        self.digcomp.choices = competences
        for code in LOCALES:
            name = language_in_words(code)
            getattr(self, f"title_{code}").label.text = str(
                _l("Title in %(language)s", language=name)
            )
            getattr(self, f"description_{code}").label.text = str(
                _l("Description in %(language)s", language=name)
            )


for _code in LOCALES:
    setattr(
        WorkshopForm,
        f"title_{_code}",
        StringField(
            _l("Title in %(language)s"),
            validators=[Optional(), max_length(200)],
            render_kw={"lang": _code},  # the browser's spelling check and screen readers
        ),
    )
    setattr(
        WorkshopForm,
        f"description_{_code}",
        TextAreaField(
            _l("Description in %(language)s"),
            validators=[Optional(), max_length(5000)],
            render_kw={"lang": _code},
        ),
    )


class WorkshopFilterForm(BaseForm):
    class Meta:
        csrf = False

    language = SelectField(_l("Language"), validators=[Optional()], validate_choice=False)
    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=False)
    mode = SelectField(_l("Online or in person"), validators=[Optional()], validate_choice=False)
    kind = SelectField(_l("Kind of event"), validators=[Optional()], validate_choice=False)


class MaterialForm(BaseForm):
    file = FileField(_l("File (PDF, image, slides, spreadsheet or document)"))
    title = StringField(_l("Title"), validators=[required(), max_length(200)])
    language = SelectField(_l("Language"), validators=[required()])
    participants_only = BooleanField(_l("Only registered participants may download it"))

    def fill(self) -> None:
        self.language.choices = [(code, LANGUAGE_NAMES[code]) for code in LOCALES]


class CancelWorkshopForm(BaseForm):
    reason = TextAreaField(
        _l("Message to the participants (why the event is cancelled)"),
        validators=[Optional(), max_length(1000)],
    )


class MessageForm(BaseForm):
    subject = StringField(_l("Subject"), validators=[required(), max_length(200)])
    body = TextAreaField(_l("Message"), validators=[required(), max_length(5000)])


class SurveyForm(BaseForm):
    rating = RadioField(
        _l("How useful was the event?"),
        choices=[],
        validators=[required(_l("Choose a rating from 1 to 5."))],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), max_length(2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rating.choices = [(str(n), str(n)) for n in range(1, 6)]
