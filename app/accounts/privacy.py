"""Personal data: everything the portal holds about a person, exported on request, and erased
by anonymising what history must keep (counts, completions, attendance stay intact).

Each domain declares what it holds in its own `privacy.py` (core/privacy.py's registry); this
module registers the accounts domain's provider and runs every registered provider in order. A
test walks the schema and fails when a column that points at a person is covered by no
provider, so no domain can add personal data without deciding its fate."""

import secrets
from datetime import datetime

from app.core import privacy
from app.core.catalogs import lazy_gettext as _l
from app.core.db import begin_write
from app.core.privacy import Policy, Provider
from app.extensions import db

from .models import User

USER_HIDDEN = ("password_hash",)

PROVIDER = privacy.register(
    Provider(
        domain="accounts",
        title=_l("Your account"),
        description=_l(
            "Your name, e-mail address, country, organisation, languages and time zone, your "
            "roles, the devices you are signed in on, and a record of important actions on your "
            "account, such as signing in or changing your password. After erasure your account "
            "keeps no name, e-mail address or password and cannot be used again."
        ),
        policies={
            ("organisations", "proposed_by_id"): Policy(),
            ("audit_events", "actor_id"): Policy(hidden=("detail",)),
            ("audit_events", "subject_id"): Policy(hidden=("detail",)),
            ("user_roles", "user_id"): Policy(erase="delete"),
            ("user_roles", "granted_by_id"): Policy(export=False),
            ("user_sessions", "user_id"): Policy(erase="delete", hidden=("token_hash",)),
        },
        # The person's own row (users) is exported and anonymised below, after every provider.
        order=1000,
    )
)


def _columns_by_provider() -> list[tuple[Provider, object, str, Policy]]:
    """(provider, table, column, policy) for every column that points at a person, in erasure
    order; a column no provider covers is an error (tests/accounts/test_privacy.py)."""
    tables = {table.name: table for table, _ in privacy.person_columns()}
    found = []
    for provider in privacy.providers():
        for (table_name, column), policy in provider.policies.items():
            found.append((provider, tables[table_name], column, policy))
    return found


def export_data(user: User) -> dict:
    """Everything about the person, as JSON-ready data, and nobody else's."""
    person = {
        column.name: privacy.plain(getattr(user, column.key))
        for column in User.__table__.columns
        if column.name not in USER_HIDDEN
    }
    person["organisation"] = user.organisation.name if user.organisation else None
    data = {"user": person, "roles": [role.role for role in user.roles]}
    for _provider, table, column, policy in sorted(
        _columns_by_provider(), key=lambda item: (item[1].name, item[2])
    ):
        if policy.export:
            data[f"{table.name}.{column}"] = privacy.export_rows(table, column, user.id, policy)
    return data


def erase(user: User, now: datetime) -> None:
    """Anonymise the person; keep what aggregates need. One transaction; the caller commits."""
    begin_write(db.session)
    for provider, table, column, policy in _columns_by_provider():
        if policy.erase == "delete":
            db.session.execute(table.delete().where(table.c[column] == user.id))
        elif policy.erase != "keep":
            provider.erasers[policy.erase](table, column, user, now)
    user.name = "—"
    user.email = f"erased-{user.id}-{secrets.token_hex(4)}@invalid.doimpact.eu"
    user.password_hash = "!" + secrets.token_hex(16)  # matches no password
    user.active = False
    user.email_confirmed_at = None
    db.session.expire(user, ["roles"])
