"""Text that people type: normalised once, so what is stored, exported and mailed is what they
meant and nothing hides in it.

Every text field of our forms gets these filters and validators through `BaseForm`
(app/core/forms.py); other ways in (the CLI, the content loader) call the functions directly.
"""

import re
import unicodedata

from wtforms.validators import ValidationError

from app.core.catalogs import lazy_gettext as _l

# Characters that change the direction text is shown in (Trojan Source, CVE-2021-42574): the
# embeddings and overrides U+202A-U+202E, the isolates U+2066-U+2069, the marks U+200E, U+200F
# and the Arabic letter mark U+061C. A name with U+202E reads backwards in a CSV or an e-mail.
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_STRIPPED = BIDI_CONTROLS | {"\x00"}
_STRIP_TABLE = {ord(char): None for char in _STRIPPED}
_NEWLINES = re.compile(r"\r\n?|[\u0085\u2028\u2029]")
# What a reader sees: letters, marks, numbers, punctuation and symbols. Spaces, format characters
# such as U+200B (zero width space), controls, surrogates and unassigned code points are not.
_VISIBLE_CATEGORIES = ("L", "M", "N", "P", "S")

ONE_LINE_NEEDED = _l("Write this on one line, without line breaks or special characters.")
VISIBLE_NEEDED = _l("Please write some visible text, not only spaces or invisible characters.")


def clean_line(value: str) -> str:
    """One line of text in NFC, without NUL and direction controls (other controls remain, for
    `is_one_line` to refuse with a message)."""
    return unicodedata.normalize("NFC", value).translate(_STRIP_TABLE)


def clean_text(value: str) -> str:
    """Several lines of text in NFC with "\\n" line ends, without NUL, direction controls and
    other control characters (tabs stay)."""
    value = _NEWLINES.sub("\n", unicodedata.normalize("NFC", value)).translate(_STRIP_TABLE)
    return "".join(char for char in value if char in "\n\t" or unicodedata.category(char) != "Cc")


def is_one_line(value: str) -> bool:
    """True when the text holds no control character (line break, tab, escape ...) and no line
    or paragraph separator."""
    return not any(
        unicodedata.category(char) in ("Cc", "Zl", "Zp") or char == "\u0085" for char in value
    )


def has_visible(value: str) -> bool:
    return any(unicodedata.category(char)[0] in _VISIBLE_CATEGORIES for char in value)


def clean_name(value: str) -> str:
    """A person's or an organisation's name from outside a form: one clean line, with line breaks
    and other controls turned into spaces and the ends trimmed."""
    value = clean_line(value)
    return " ".join(
        "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in value).split()
    )


# --- WTForms filters and validators -----------------------------------------------------------


def line_filter(value):
    return clean_line(value) if isinstance(value, str) else value


def text_filter(value):
    return clean_text(value) if isinstance(value, str) else value


def one_line(form, field) -> None:
    """Refuse control characters (CR, LF, TAB, ...) in a single-line field."""
    if isinstance(field.data, str) and not is_one_line(field.data):
        raise ValidationError(str(ONE_LINE_NEEDED))


def visible(form, field) -> None:
    """Refuse a text that is not empty yet shows nothing (only U+200B and the like)."""
    data = field.data
    if isinstance(data, str) and data.strip() and not has_visible(data):
        raise ValidationError(str(VISIBLE_NEEDED))


def normalise_email(email: str) -> str:
    """An e-mail address as accounts are looked up by: no surrounding spaces, lower case."""
    return email.strip().lower()


def csv_cell(value) -> str:
    """A value for a CSV cell that a spreadsheet never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
