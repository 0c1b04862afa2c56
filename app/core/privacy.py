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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import Table, select

from app.extensions import db


@dataclass(frozen=True)
class Policy:
    """What export and erasure do with one table's rows about a person."""

    export: bool = True  # list the rows in the export
    erase: str = "keep"  # keep | delete | a name in the provider's erasers
    hidden: tuple = ()  # columns never exported (secrets, other people's private notes)


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


def person_columns() -> list[tuple[Table, str]]:
    """Every (table, column) of the schema that points at users.id."""
    found = []
    for table in db.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name == "users" and table.name != "users":
                found.append((table, key.parent.name))
    return found


def plain(value):
    """A value as JSON holds it (dates and times in ISO 8601)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def export_rows(table: Table, column: str, person_id: int, policy: Policy) -> list[dict]:
    """A table's rows about the person, without the policy's hidden columns."""
    rows = db.session.execute(select(table).where(table.c[column] == person_id)).mappings()
    return [
        {key: plain(value) for key, value in row.items() if key not in policy.hidden}
        for row in rows
    ]
