"""URL converters and request checks: what a route accepts is what the database can hold."""

import re

from flask import abort, request
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter, ValidationError

# Every id column is an INTEGER: 32 bits on PostgreSQL (64 on SQLite).
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
# Control characters (NUL first: PostgreSQL refuses it in text, a 500) have no place in a URL.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to ASCII digits and to what an INTEGER column holds.

    Werkzeug's own converter takes any number of digits (and other scripts' digits), so
    /workshops/9223372036854775808 reached the database, which overflowed (a 500). Beyond that
    range there can be no such row: the route does not match, which is a 404.
    """

    regex = r"[0-9]+"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
        self.min = INTEGER_MIN if self.min is None else self.min
        self.max = INTEGER_MAX if self.max is None else self.max


class CleanStringConverter(UnicodeConverter):
    """`<name>` / `<string:name>` without control characters."""

    def to_python(self, value: str) -> str:
        if _CONTROL.search(value):
            raise ValidationError()
        return value


class CleanPathConverter(PathConverter):
    """`<path:name>` without control characters."""

    def to_python(self, value: str) -> str:
        if _CONTROL.search(value):
            raise ValidationError()
        return value


def refuse_nul_in_query() -> None:
    """A NUL in the query string is never meant; PostgreSQL would refuse it later as a 500."""
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        abort(400)


def init_app(app) -> None:
    """Install the converters; call before any blueprint adds its routes."""
    app.url_map.converters.update(
        int=BoundedIntConverter,
        default=CleanStringConverter,
        string=CleanStringConverter,
        path=CleanPathConverter,
    )
    app.before_request(refuse_nul_in_query)
