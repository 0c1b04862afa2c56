"""The registry of personal-data providers: each domain says what it holds about a person.

As Moodle's Privacy API does per plugin, every domain that stores something about a person
declares a `Provider` in its own `privacy.py` and registers it here: which of its columns point
at a person (with what export and erasure do with their rows), the erasers for rows that are
neither kept as they are nor deleted, and what the privacy notice says about them (the notice
lists every provider, so it never drifts from what the code keeps). `accounts` runs
the providers in order for an export or an erasure; it never reaches into another domain.
A test walks the schema and fails when a column that points at a person (or holds an e-mail
address or a person's name) is covered by no provider.
"""

import importlib
import importlib.util
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal
from flask import current_app
from sqlalchemy import String, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.catalogs import lazy_gettext as _l
from app.core.db import UTCDateTime, begin_write
from app.core.jobs import periodic
from app.core.timeutil import date_time
from app.extensions import db


@dataclass(frozen=True)
class Policy:
    """What export and erasure do with one table's rows about a person."""

    export: bool = True  # list the rows in the export
    erase: str = "keep"  # keep | delete | a name in the provider's erasers
    hidden: tuple = ()  # columns never exported (secrets, other people's private notes)
    # The heading of these rows on the readable export page (a lazy string).
    label: object = None


# An eraser gets the table, the column that points at the person, the person (a User) and the
# time; it runs inside the erasure's transaction and never commits.
Eraser = Callable[[Table, str, object, datetime], None]


@dataclass
class Provider:
    """What one domain holds about a person and how its rows are exported and erased."""

    domain: str
    # For the privacy notice, in the reader's language (lazy strings): the part of the portal,
    # and what it keeps about a person and what erasure does with it.
    title: object
    description: object
    policies: dict[tuple[str, str], Policy]
    erasers: dict[str, Eraser] = field(default_factory=dict)
    # Columns that hold a person's name or e-mail address without pointing at users.id
    # (a certificate's holder name): the provider names them, the eraser clears them.
    personal_columns: tuple[tuple[str, str], ...] = ()
    order: int = 100  # erasure order: lower first (a domain that frees places before its rows go)
    # Labels of this domain's columns on the readable export page, beside core's FIELD_LABELS.
    fields: dict[str, object] = field(default_factory=dict)

    def covers(self) -> set[tuple[str, str]]:
        return set(self.policies) | set(self.personal_columns)


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    """Add (or replace, on a module reload) a domain's provider."""
    for name in {policy.erase for policy in provider.policies.values()} - {"keep", "delete"}:
        if name not in provider.erasers:
            raise ValueError(f"{provider.domain}: no eraser named {name!r}")
    _PROVIDERS[provider.domain] = provider
    return provider


def providers() -> list[Provider]:
    """The registered providers, in erasure order."""
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.domain))


def load_providers(package: str = "app") -> None:
    """Import every domain's `privacy` module (`app.<domain>.privacy`), which registers its
    provider: a new domain adds its module and nothing else."""
    root = importlib.import_module(package)
    for found in pkgutil.iter_modules(root.__path__):
        if found.ispkg and importlib.util.find_spec(f"{package}.{found.name}.privacy"):
            importlib.import_module(f"{package}.{found.name}.privacy")


@dataclass(frozen=True)
class Retention:
    """Something kept only for a while: `purge(now, before)` deletes what is older than `before`
    and returns how many rows went. The privacy notice lists every retention with its period
    (the `setting`, in days), and the retention job runs them all and logs the counts."""

    name: str  # for the log
    setting: str  # the configuration key holding the period in days
    title: object  # lazy: what is kept
    description: object  # lazy: what happens at the end of the period
    purge: Callable[[datetime, datetime], int]
    order: int = 100

    def days(self, config) -> int:
        return int(config[self.setting])


class RetentionRun(db.Model):
    """The last run of one retention: when, and how many rows it removed (a count only, never
    what they held), for the privacy notice."""

    __tablename__ = "retention_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed: Mapped[int] = mapped_column(default=0)


_RETENTIONS: dict[str, Retention] = {}


def retain(retention: Retention) -> Retention:
    _RETENTIONS[retention.name] = retention
    return retention


def retentions() -> list[Retention]:
    return sorted(_RETENTIONS.values(), key=lambda r: (r.order, r.name))


@periodic("privacy-retention", "RETENTION_INTERVAL", 6 * 3600)
def apply_retention(now: datetime) -> dict[str, int]:
    """Run every registered retention (the runner commits); what went, as counts only."""
    config = current_app.config
    begin_write(db.session)
    removed = {}
    for retention in retentions():
        count = retention.purge(now, now - timedelta(days=retention.days(config)))
        _record_run(retention.name, now, count)
        if count:
            removed[retention.name] = count
    return removed


def _record_run(name: str, now: datetime, count: int) -> None:
    run = db.session.get(RetentionRun, name)
    if run is None:
        try:
            with db.session.begin_nested():  # another scheduler may record its first run too
                db.session.add(RetentionRun(name=name, ran_at=now, removed=count))
            return
        except IntegrityError:
            run = db.session.get(RetentionRun, name, populate_existing=True)
    run.ran_at, run.removed = now, count


def last_runs() -> dict[str, RetentionRun]:
    """The last run of every retention that has run, by name."""
    return {run.name: run for run in db.session.scalars(select(RetentionRun))}


def person_columns() -> list[tuple[Table, str]]:
    """Every (table, column) of the schema that points at users.id."""
    found = []
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "users" and table.name != "users":
                found.append((table, key.parent.name))
    return found


# Columns the readable export page leaves out (row numbers and links between rows, which mean
# nothing to a reader); the JSON file keeps them.
NOT_ON_PAGE = re.compile(r"^(id|uid|sequence)$|_id$")

# Labels of columns that several domains share; a provider labels its own in `fields`.
FIELD_LABELS = {
    "address": _l("Address"),
    "cancel_reason": _l("Reason for cancelling"),
    "cancelled_at": _l("Cancelled on"),
    "comment": _l("Comment"),
    "completed_at": _l("Completed on"),
    "country": _l("Country"),
    "created_at": _l("Created on"),
    "ends_at": _l("Ends"),
    "kind": _l("Kind"),
    "locale": _l("Language"),
    "meeting_url": _l("Online meeting link"),
    "mode": _l("Format"),
    "name": _l("Name"),
    "rated_at": _l("Rated on"),
    "rating": _l("Rating"),
    "starts_at": _l("Starts"),
    "status": _l("Status"),
    "timezone": _l("Time zone"),
}


def field_label(provider: Provider | None, name: str):
    """The label of a column on the readable export page, or None when it has none."""
    if provider is not None and name in provider.fields:
        return provider.fields[name]
    return FIELD_LABELS.get(name)


def shown_on_page(name: str) -> bool:
    return not NOT_ON_PAGE.search(name)


# Columns holding country or language codes, shown by name on the readable page.
COUNTRY_COLUMNS = frozenset({"country", "audience_countries"})
LANGUAGE_COLUMNS = frozenset({"locale", "second_locale", "consent_locale", "language", "languages"})


def readable(value, zone: str, locale: str, column: str = "") -> str:
    """A stored value as the readable export page shows it, in the reader's language and
    time zone: dates through Babel, countries and languages by name, yes or no, lists and
    per-language texts spelled out."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if column in COUNTRY_COLUMNS or column in LANGUAGE_COLUMNS:
        names = Locale.parse(locale)
        names = names.territories if column in COUNTRY_COLUMNS else names.languages
        codes = value if isinstance(value, list) else [value]
        return ", ".join(
            names.get(str(code).upper() if column in COUNTRY_COLUMNS else str(code), str(code))
            for code in codes
        )
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, datetime):
        return date_time(value, zone, locale, "medium")
    if isinstance(value, date):
        return format_date(value, "medium", locale=locale)
    if isinstance(value, int | float):
        return format_decimal(value, locale=locale)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {readable(item, zone, locale)}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(readable(item, zone, locale) for item in value)
    return str(value)


def plain(value):
    """A value as JSON holds it (dates and times in ISO 8601)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def export_rows(table: Table, column: str, person_id: int, policy: Policy) -> list[dict]:
    """A table's rows about the person, without the policy's hidden columns, as stored (the
    JSON export passes each value through `plain`)."""
    shown = [c for c in table.columns if c.name not in policy.hidden]
    query = select(*shown).where(table.c[column] == person_id)
    if "id" in table.c:
        query = query.order_by(table.c.id)
    return [dict(row) for row in db.session.execute(query).mappings()]
