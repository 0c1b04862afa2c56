"""`flask demo seed`: demo data for trying the portal, from every domain.

It lives beside the application factory, not in a domain: it is the one command that asks
several domains for their demo data (accounts first, whose demo people the others use).
"""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.cli import DEMO_ACCOUNTS, DEMO_PASSWORD, create_user, seed_demo
from app.accounts.models import User
from app.assessment.cli import seed_assessments
from app.core.db import utcnow
from app.courses.cli import seed_learning
from app.extensions import db
from app.mentoring.cli import seed_mentoring
from app.workshops.cli import seed_workshops

demo_cli = AppGroup("demo", help="Demo data for trying the portal.")


@demo_cli.command("seed")
def demo_seed():
    """Create demo organisations and the five demo accounts (never in production)."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("demo seed refuses to run in production.")
    accounts = seed_demo()
    learner = db.session.scalar(select(User).where(User.email == DEMO_ACCOUNTS[0][0]))
    enrolled = seed_learning(learner, utcnow())
    mentors = seed_mentoring(learner, utcnow(), create_user, DEMO_PASSWORD)
    assessments = seed_assessments(learner, utcnow())
    db.session.commit()
    seed_workshops(
        utcnow(),
        {
            role: f"{role}@demo.doimpact.eu"
            for role in ("learner", "mentor", "trainer", "manager", "coordinator")
        },
    )
    db.session.commit()
    click.echo(f"Demo accounts (password: {DEMO_PASSWORD}):")
    for email, roles in accounts:
        click.echo(f"  {email:32} {roles}")
    for email in mentors[1:]:
        click.echo(f"  {email:32} learner, mentor")
    if assessments:
        click.echo(f"Self-assessment results added: {assessments}.")
    if enrolled:
        click.echo(f"The demo learner is enrolled in: {enrolled} (the first one half done).")
    else:
        click.echo("No course content yet: run `flask --app wsgi content sync` first.")
