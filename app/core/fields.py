"""Search and filter fields rendered in Python, with the exact HTML of the `field` macro.

The catalog, mentor and workshop filters show up to forty options on every visit; WTForms builds
each `<option>` through its generic attribute writer and the macro adds a Jinja call per field,
which cost about a millisecond a page. `filter_field(form.x)` writes the same bytes directly for
the fields those forms use (text, select, checkbox) when nothing is to be said about the field
(no error, hint or extra attribute); anything else goes through the macro as before.
tests/core/test_fields.py compares both renderings.
"""

# Every text written below is escaped here (values, labels) or comes from WTForms' own writer,
# hence the `noqa: S704` on each Markup().
from flask import get_template_attribute
from markupsafe import Markup, escape
from wtforms.widgets import CheckboxInput, Select, TextInput, html_params

_OPEN = '<div class="field">\n    '
_OPEN_CHECK = '<div class="field field-check">\n    '
_CLOSE = "\n  \n  \n</div>"


def _label(field) -> str:
    return f'<label for="{escape(field.id)}">{escape(field.label.text)}</label>'


def _select(field) -> str:
    parts = [f'<select id="{escape(field.id)}" name="{escape(field.name)}">']
    for choice in field.iter_choices():
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        label = escape(choice.label or choice.value)
        selected = "selected " if choice.selected else ""
        parts.append(f'<option {selected}value="{escape(value)}">{label}</option>')
    parts.append("</select>")
    return "".join(parts)


def _plain(field) -> bool:
    """A field whose rendering has no option this module does not write itself."""
    widget = type(field.widget)
    if widget not in (Select, TextInput, CheckboxInput) or field.errors:
        return False
    if field.render_kw or field.flags.required or field.flags.disabled:
        return False
    if widget is Select:
        return not field.widget.multiple and not field.has_groups()
    return getattr(field, "_datalist", None) is None


def filter_field(field) -> Markup:
    """The `field` macro's HTML for a search or filter field."""
    if not _plain(field):
        return get_template_attribute("macros.html", "field")(field)
    widget = type(field.widget)
    if widget is Select:
        return Markup(_OPEN + _label(field) + "\n    \n    " + _select(field) + _CLOSE)  # noqa: S704
    if widget is CheckboxInput:
        checked = "checked " if getattr(field, "checked", field.data) else ""
        params = html_params(id=field.id, name=field.name, type="checkbox", value=field._value())
        return Markup(f"{_OPEN_CHECK}<input {checked}{params}> {_label(field)}{_CLOSE}")  # noqa: S704
    # A text input: WTForms' own writer for its few attributes (maxlength from the validators).
    return Markup(_OPEN + _label(field) + "\n    \n    " + str(field()) + _CLOSE)  # noqa: S704


def init_app(app) -> None:
    app.jinja_env.globals["filter_field"] = filter_field
