"""Personal data: everything the portal holds about a person, exported on request, and erased
by anonymising what history must keep (counts, completions, attendance stay intact).

Each domain declares what it holds in its own `privacy.py` (core/privacy.py's registry); this
module registers the accounts domain's provider and runs every registered provider in order. A
test walks the schema and fails when a column that points at a person is covered by no
provider, so no domain can add personal data without deciding its fate."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from app.core import privacy
from app.core.audit import AuditEvent, audit
from app.core.catalogs import lazy_gettext as _l
from app.core.db import begin_write
from app.core.privacy import Policy, Provider, Retention
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
            ("organisations", "proposed_by_id"): Policy(label=_l("Organisations you proposed")),
            ("audit_events", "actor_id"): Policy(hidden=("detail",), label=_l("Actions you took")),
            ("audit_events", "subject_id"): Policy(
                hidden=("detail",), label=_l("Actions about your account")
            ),
            ("user_roles", "user_id"): Policy(erase="delete", label=_l("Your roles")),
            ("user_roles", "granted_by_id"): Policy(export=False),
            ("user_sessions", "user_id"): Policy(
                erase="delete", hidden=("token_hash",), label=_l("Devices you are signed in on")
            ),
        },
        fields={
            "email": _l("E-mail address"),
            "organisation": _l("Organisation"),
            "organisation_granted_at": _l("Membership granted on"),
            "second_locale": _l("Second language"),
            "email_confirmed_at": _l("E-mail address confirmed on"),
            "consent_version": _l("Privacy notice accepted (version)"),
            "consent_at": _l("Privacy notice accepted on"),
            "consent_locale": _l("Language of the accepted notice"),
            "active": _l("Account in use"),
            "erasure_requested_at": _l("Erasure asked for on"),
            "erasure_due_at": _l("Erasure due on"),
            "approved": _l("Approved"),
            "at": _l("When"),
            "action": _l("Action"),
            "role": _l("Role"),
            "granted_at": _l("Granted on"),
            "last_seen_at": _l("Last seen on"),
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


@dataclass
class Section:
    """One kind of row on the readable export page: its heading, columns and rows."""

    label: object
    columns: list[tuple[str, object]]  # (column, label)
    rows: list[dict]


@dataclass
class Part:
    """One provider's share of the readable export page."""

    title: object
    sections: list[Section]


def _collect(user: User) -> list[tuple[Provider, str, str, Policy, list[dict]]]:
    """(provider, table, column, policy, rows) for every exported policy, rows as stored."""
    found = []
    for provider, table, column, policy in _columns_by_provider():
        if policy.export:
            rows = privacy.export_rows(table, column, user.id, policy)
            found.append((provider, table.name, column, policy, rows))
    return found


def _person(user: User) -> dict:
    person = {
        column.name: getattr(user, column.key)
        for column in User.__table__.columns
        if column.name not in USER_HIDDEN
    }
    person["organisation"] = user.organisation.name if user.organisation else None
    return person


def export_data(user: User) -> dict:
    """Everything about the person, as JSON-ready data, and nobody else's."""
    data = {
        "user": {key: privacy.plain(value) for key, value in _person(user).items()},
        "roles": [role.role for role in user.roles],
    }
    for _provider, table, column, _policy, rows in _collect(user):
        data[f"{table}.{column}"] = [
            {key: privacy.plain(value) for key, value in row.items()} for row in rows
        ]
    return dict(sorted(data.items()))


def export_page(user: User) -> list[Part]:
    """The same data for the readable page: the person's account first, then each provider's
    rows under its title, with labelled columns; row numbers and links between rows left out."""
    person = _person(user)
    account = Section(
        None,  # under the part's own heading
        [(key, privacy.field_label(PROVIDER, key)) for key in person if privacy.shown_on_page(key)],
        [person],
    )
    parts: dict[str, Part] = {"accounts": Part(PROVIDER.title, [account])}
    for provider, _table, _column, policy, rows in _collect(user):
        shown = [key for key in (rows[0] if rows else ()) if privacy.shown_on_page(key)]
        section = Section(
            policy.label,
            [(key, privacy.field_label(provider, key)) for key in shown],
            rows,
        )
        parts.setdefault(provider.domain, Part(provider.title, [])).sections.append(section)
    return list(parts.values())


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
    user.erasure_requested_at = user.erasure_due_at = None
    db.session.expire(user, ["roles"])


def erase_account(user: User, now: datetime) -> None:
    """Carry out an erasure and record it (the person's sessions go with the user_sessions
    policy, so every device is signed out). The caller commits."""
    erase(user, now)
    audit("account_erased", None, user)


def erase_due_accounts(now: datetime, limit: int = 50) -> int:
    """Carry out the erasures whose grace period is over, at most `limit` per run (the next
    run takes the rest); return how many. The caller commits."""
    due = db.session.scalars(
        select(User)
        .where(User.erasure_due_at <= now, User.active.is_(True))
        .order_by(User.erasure_due_at, User.id)
        .limit(limit)
    ).all()
    for user in due:
        erase_account(user, now)
    return len(due)


def _erase_unconfirmed(now: datetime, before: datetime) -> int:
    """Erase the accounts created before `before` whose address was never confirmed: they
    cannot sign in and hold nothing but the sign-up."""
    stale = db.session.scalars(
        select(User).where(
            User.email_confirmed_at.is_(None), User.active.is_(True), User.created_at < before
        )
    ).all()
    for user in stale:
        erase_account(user, now)
    return len(stale)


def _purge_audit(now: datetime, before: datetime) -> int:
    return db.session.execute(
        delete(AuditEvent)
        .where(AuditEvent.at < before)
        .execution_options(synchronize_session=False)
    ).rowcount


privacy.retain(
    Retention(
        name="audit-entries",
        setting="AUDIT_RETENTION_DAYS",
        title=_l("Record of important actions"),
        description=_l("Entries older than this are deleted."),
        purge=_purge_audit,
        order=30,
    )
)
privacy.retain(
    Retention(
        name="unconfirmed-accounts",
        setting="UNCONFIRMED_ACCOUNT_RETENTION_DAYS",
        title=_l("Accounts whose e-mail address was never confirmed"),
        description=_l("They are erased this long after sign-up."),
        purge=_erase_unconfirmed,
        order=40,
    )
)
