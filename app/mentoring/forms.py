"""Mentoring forms."""

import re
from datetime import time

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.config import LANGUAGE_NAMES, LOCALES
from app.core.catalogs import lazy_gettext as _l
from app.core.catalogs import py_ngettext as ngettext
from app.core.forms import BaseForm, max_length, required
from app.core.i18n import language_in_words

from .models import SESSION_LENGTHS

WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
EXPERTISE_LABELS = {
    "digcomp-1": _l("Information and data literacy"),
    "digcomp-2": _l("Communication and collaboration"),
    "digcomp-3": _l("Digital content creation"),
    "digcomp-4": _l("Safety"),
    "digcomp-5": _l("Problem solving"),
    "fundraising": _l("Fundraising"),
    "impact-measurement": _l("Impact measurement"),
    "cybersecurity": _l("Cybersecurity"),
    "data-protection": _l("Data protection (GDPR)"),
    "online-collaboration": _l("Online collaboration"),
    "digital-marketing": _l("Digital marketing and social media"),
    "e-commerce": _l("Selling online"),
    "green-digital": _l("Green and digital (twin transition)"),
    "governance": _l("Governance and participation"),
}
MODE_LABELS = {
    "video": _l("Video call"),
    "phone": _l("Phone call"),
    "in_person": _l("In person"),
}
_RANGE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-\u2013]\s*(\d{1,2})[:.](\d{2})\s*$")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def parse_ranges(text: str) -> list[tuple[time, time]]:
    """'09:00-12:00, 14:00-17:30' -> [(09:00, 12:00), (14:00, 17:30)]."""
    ranges = []
    for part in filter(None, (p.strip() for p in (text or "").replace(";", ",").split(","))):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(part)
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h2 == 24 and m2 == 0:
            h2, m2 = 23, 59
        if max(h1, h2) > 23 or max(m1, m2) > 59:
            raise ValueError(part)
        ranges.append((time(h1, m1), time(h2, m2)))
    return ranges


def format_ranges(ranges) -> str:
    return ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in ranges)


class MentorProfileForm(BaseForm):
    languages = MultiCheckboxField(
        _l("Languages you hold sessions in"),
        choices=[],
        validators=[required(_l("Choose at least one language."))],
    )
    expertise = MultiCheckboxField(_l("Areas of expertise"), choices=[])
    country = SelectField(_l("Country"), validators=[required()])
    timezone = SelectField(_l("Your time zone"), validators=[required()])
    mode = RadioField(_l("How sessions are held"), choices=[], validators=[required()])
    meeting_url = URLField(_l("Video meeting link"), validators=[Optional(), max_length(500)])
    phone = StringField(_l("Phone number"), validators=[Optional(), max_length(40)])
    address = StringField(_l("Address"), validators=[Optional(), max_length(300)])
    session_minutes = SelectField(_l("Session length"), coerce=int, choices=[])
    buffer_before = IntegerField(
        _l("Free minutes before each session"),
        default=0,
        validators=[NumberRange(0, 120, _l("Between 0 and 120 minutes."))],
    )
    buffer_after = IntegerField(
        _l("Free minutes after each session"),
        default=15,
        validators=[NumberRange(0, 120, _l("Between 0 and 120 minutes."))],
    )
    min_notice_hours = IntegerField(
        _l("Minimum notice before a booking (hours)"),
        default=24,
        validators=[NumberRange(0, 336, _l("Between 0 and 336 hours."))],
    )
    horizon_days = IntegerField(
        _l("How far ahead learners may book (days)"),
        default=42,
        validators=[NumberRange(1, 365, _l("Between 1 and 365 days."))],
    )
    max_per_day = IntegerField(
        _l("Most sessions a day (leave empty for no limit)"),
        validators=[Optional(), NumberRange(1, 100, _l("Between 1 and 100."))],
    )
    max_per_week = IntegerField(
        _l("Most sessions a week (leave empty for no limit)"),
        validators=[Optional(), NumberRange(1, 100, _l("Between 1 and 100."))],
    )
    published = BooleanField(_l("Show my profile to learners so they can book me"))

    def fill(self, countries, timezones) -> None:
        from app.mentoring.models import EXPERTISE

        self.languages.choices = [(code, LANGUAGE_NAMES[code]) for code in LOCALES]
        self.expertise.choices = [(key, str(EXPERTISE_LABELS[key])) for key in EXPERTISE]
        self.country.choices = countries
        self.timezone.choices = timezones
        self.mode.choices = [(key, str(label)) for key, label in MODE_LABELS.items()]
        for code in LOCALES:  # "Short bio in Italian", the language named in the reader's
            getattr(self, bio_field_name(code)).label.text = str(
                _l("Short bio in %(language)s", language=language_in_words(code))
            )
        self.session_minutes.choices = [
            (minutes, ngettext("%(num)d minute", "%(num)d minutes", minutes))
            for minutes in SESSION_LENGTHS
        ]


def bio_field_name(code: str) -> str:
    return f"bio_{code}"


for _code in LOCALES:
    setattr(
        MentorProfileForm,
        bio_field_name(_code),
        TextAreaField(
            _l("Short bio in %(language)s", language=LANGUAGE_NAMES[_code]),
            validators=[Optional(), max_length(1500)],
            render_kw={"lang": _code},  # the browser's spelling check and screen readers
        ),
    )


class WeeklyForm(BaseForm):
    """One text field per weekday: '09:00-12:00, 14:00-17:00'."""

    def validate_ranges(self) -> dict[int, list[tuple[time, time]]]:
        ranges, ok = {}, True
        for index in range(7):
            field = getattr(self, f"day_{index}")
            try:
                ranges[index] = parse_ranges(field.data)
            except ValueError:
                field.errors = [
                    *field.errors,
                    str(_l("Write times as 09:00-12:00, with a comma between ranges.")),
                ]
                ok = False
        return ranges if ok else {}


for _index, _day in enumerate(WEEKDAYS):
    setattr(WeeklyForm, f"day_{_index}", StringField(_day, validators=[max_length(200)]))


class OverrideForm(BaseForm):
    day = DateField(_l("Date"), validators=[required()])
    kind = RadioField(_l("What changes"), choices=[], default="off", validators=[required()])
    start = StringField(_l("From (HH:MM)"), validators=[Optional(), max_length(5)])
    end = StringField(_l("Until (HH:MM)"), validators=[Optional(), max_length(5)])
    note = StringField(_l("Note for yourself"), validators=[Optional(), max_length(200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [
            ("off", str(_l("Not available (leave the times empty for the whole day)"))),
            ("extra", str(_l("Extra hours"))),
        ]

    def times(self) -> tuple[time | None, time | None]:
        values = []
        for field in (self.start, self.end):
            text = (field.data or "").strip()
            if not text:
                values.append(None)
                continue
            match = re.match(r"^(\d{1,2})[:.](\d{2})$", text)
            if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
                raise ValidationError(field.name)
            values.append(time(int(match.group(1)), int(match.group(2))))
        return values[0], values[1]


class MentorSearchForm(BaseForm):
    class Meta:
        csrf = False

    language = SelectField(_l("Language"), validators=[Optional()], validate_choice=False)
    expertise = SelectField(_l("Expertise"), validators=[Optional()], validate_choice=False)
    country = SelectField(_l("Country"), validators=[Optional()], validate_choice=False)


class BookingForm(BaseForm):
    start = HiddenField(validators=[required()])
    topic = StringField(_l("What is the session about?"), validators=[required(), max_length(200)])
    goal = TextAreaField(
        _l("What would you like to achieve? (optional)"),
        validators=[Optional(), max_length(2000)],
    )


class RescheduleForm(BaseForm):
    start = HiddenField(validators=[required()])


class CancelForm(BaseForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), max_length(1000)])


class NotesForm(BaseForm):
    notes_shared = TextAreaField(
        _l("Session notes (the learner sees these)"), validators=[Optional(), max_length(5000)]
    )
    action_items = TextAreaField(
        _l("Action items (the learner sees these)"), validators=[Optional(), max_length(5000)]
    )
    notes_private = TextAreaField(
        _l("Private notes (only you see these)"), validators=[Optional(), max_length(5000)]
    )


class RatingForm(BaseForm):
    rating = RadioField(
        _l("How useful was the session?"),
        choices=[],
        validators=[required(_l("Choose a rating from 1 to 5."))],
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), max_length(2000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rating.choices = [(str(n), str(n)) for n in range(1, 6)]
