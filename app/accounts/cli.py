"""`flask --app wsgi users create` and `flask --app wsgi demo seed`."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.config import COUNTRIES, LOCALES
from app.core.db import begin_write, utcnow
from app.core.errors import DomainError
from app.core.security import ROLES
from app.core.text import clean_name, has_visible
from app.extensions import db

from . import services
from .models import Organisation, User, UserRole

users_cli = AppGroup("users", help="Manage user accounts.")

DEMO_PASSWORD = "doimpact-demo"  # noqa: S105 - documented demo password, refused in production


def create_user(
    *,
    email: str,
    name: str,
    password: str,
    country: str,
    locale: str = "en",
    timezone: str = "Europe/Brussels",
    roles: tuple[str, ...] = (),
    organisation: Organisation | None = None,
    check_rules: bool = True,
) -> User:
    """Create a confirmed account (for administrators and demo data)."""
    if check_rules:
        services.check_password_rules(password)
    now = utcnow()
    user = User(
        email=services.normalise_email(email),
        name=clean_name(name),
        password_hash=services.hash_password(password),
        country=country,
        locale=locale,
        timezone=timezone,
        organisation=organisation,
        # An administrator (or the demo) places the person: the membership is granted.
        organisation_granted_at=now if organisation is not None else None,
        email_confirmed_at=now,
        consent_version=current_app.config["PRIVACY_NOTICE_VERSION"],
        consent_at=now,
        consent_locale=locale,
        roles=[UserRole(role=role) for role in roles],
    )
    db.session.add(user)
    db.session.flush()
    return user


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--country", type=click.Choice(COUNTRIES), default="other", show_default=True)
@click.option("--locale", type=click.Choice(LOCALES), default="en", show_default=True)
@click.option("--timezone", default="Europe/Brussels", show_default=True)
@click.option("--role", "roles", multiple=True, type=click.Choice(ROLES))
def users_create(email, name, password, country, locale, timezone, roles):
    """Create a confirmed user account, optionally with roles."""
    email = services.normalise_email(email)
    if not has_visible(clean_name(name)):
        raise click.ClickException("The name needs at least one visible character.")
    if db.session.scalar(select(User).where(User.email == email)):
        raise click.ClickException(f"An account for {email} already exists.")
    try:
        user = create_user(
            email=email,
            name=name,
            password=password,
            country=country,
            locale=locale,
            timezone=timezone,
            roles=tuple(roles),
        )
    except DomainError as error:
        raise click.ClickException(str(error.message)) from None
    services.audit("user_created", None, user, "cli " + ",".join(roles))
    db.session.commit()
    click.echo(f"Created {email} with roles: learner{''.join(', ' + r for r in roles)}")


@users_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
def users_purge(dry_run):
    """Delete expired sessions, old failed sign-ins and old account mails (the scheduler does
    this every hour)."""
    if not dry_run:
        begin_write(db.session)
    report = services.purge_expired(utcnow(), dry_run=dry_run)
    db.session.commit()
    verb = "would delete" if dry_run else "deleted"
    click.echo(
        f"{verb} {report.sessions} expired session(s), {report.login_attempts} old failed "
        f"sign-in(s), {report.account_mails} old account mail(s)"
    )


# name, kind, country, parent (by name)
DEMO_ORGANISATIONS = (
    ("Social Economy Digital Network", "second_tier", "BE", None),
    ("Rete Imprese Sociali Toscana", "second_tier", "IT", "Social Economy Digital Network"),
    ("Cooperativa Sociale Il Ponte", "cooperative", "IT", "Rete Imprese Sociali Toscana"),
    ("Coop Terra Viva", "cooperative", "ES", "Social Economy Digital Network"),
    ("Zaļā Darbnīca", "social_enterprise", "LV", "Social Economy Digital Network"),
    ("Bendruomenių Sodai", "association", "LT", "Social Economy Digital Network"),
    ("Grön Omstart", "tech_sme", "SE", "Social Economy Digital Network"),
)

# e-mail, name, roles, country, locale, time zone, organisation
DEMO_ACCOUNTS = (
    (
        "learner@demo.doimpact.eu",
        "Giulia Rossi",
        (),
        "IT",
        "it",
        "Europe/Rome",
        "Cooperativa Sociale Il Ponte",
    ),
    (
        "mentor@demo.doimpact.eu",
        "Ilze Bērziņa",
        ("mentor",),
        "LV",
        "lv",
        "Europe/Riga",
        "Zaļā Darbnīca",
    ),
    (
        "trainer@demo.doimpact.eu",
        "Jordi Puig",
        ("trainer",),
        "ES",
        "ca",
        "Europe/Madrid",
        "Coop Terra Viva",
    ),
    (
        "manager@demo.doimpact.eu",
        "Marie Dubois",
        ("manager",),
        "BE",
        "en",
        "Europe/Brussels",
        "Social Economy Digital Network",
    ),
    (
        "coordinator@demo.doimpact.eu",
        "Erik Lindqvist",
        ("coordinator",),
        "SE",
        "sv",
        "Europe/Stockholm",
        "Grön Omstart",
    ),
)


def seed_demo() -> list[tuple[str, str]]:
    """Create the demo organisations and accounts when missing; return (e-mail, roles)."""
    organisations: dict[str, Organisation] = {
        org.name: org for org in db.session.scalars(select(Organisation))
    }
    for name, kind, country, parent in DEMO_ORGANISATIONS:
        if name not in organisations:
            organisations[name] = Organisation(
                name=name,
                kind=kind,
                country=country,
                approved=True,
                parent=organisations[parent] if parent else None,
            )
            db.session.add(organisations[name])
    db.session.flush()
    printed = []
    for email, name, roles, country, locale, timezone, org in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(
                email=email,
                name=name,
                password=DEMO_PASSWORD,
                country=country,
                locale=locale,
                timezone=timezone,
                roles=roles,
                organisation=organisations[org],
                check_rules=False,
            )
        elif user.organisation_granted_at is None and user.organisation_id == organisations[org].id:
            user.organisation_granted_at = utcnow()  # a demo from before memberships were granted
        printed.append((email, ", ".join(["learner", *roles])))
    return printed
