"""The command-line contracts: demo seed and users create."""

from sqlalchemy import func, select

from app.accounts.models import Organisation, User
from app.extensions import db
from tests.conftest import in_app

DEMO = ["learner", "mentor", "trainer", "manager", "coordinator"]


def test_demo_seed_creates_five_accounts_and_a_network_and_is_idempotent(app, runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    for name in DEMO:
        assert f"{name}@demo.doimpact.eu" in first.output
    assert "doimpact-demo" in first.output
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with in_app(app):
        # The five demo accounts and two more mentors, once however often it runs.
        assert db.session.scalar(select(func.count()).select_from(User)) == 7
        coordinator = db.session.scalar(
            select(User).where(User.email == "coordinator@demo.doimpact.eu")
        )
        assert coordinator.has_role("coordinator")
        network = db.session.scalar(
            select(Organisation).where(
                Organisation.kind == "second_tier", Organisation.parent_id.is_(None)
            )
        )
        members = db.session.scalars(
            select(Organisation).where(Organisation.parent_id == network.id)
        ).all()
        assert len({org.country for org in members}) >= 3


def test_demo_seed_refuses_to_run_in_production(app, runner):
    app.config["ENV_NAME"] = "production"
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code != 0 and "production" in result.output


def test_users_create_makes_a_confirmed_account_with_roles(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Ada@Example.org",
            "--name",
            "Ada",
            "--password",
            "a long enough passphrase",
            "--role",
            "trainer",
            "--country",
            "SE",
        ]
    )
    assert result.exit_code == 0, result.output
    with in_app(app):
        user = db.session.scalar(select(User))
        assert user.email == "ada@example.org" and user.has_role("trainer")
        assert user.email_confirmed_at is not None


def test_users_create_refuses_a_short_password_and_a_duplicate(app, runner):
    short = runner.invoke(
        args=["users", "create", "--email", "a@example.org", "--name", "A", "--password", "short"]
    )
    assert short.exit_code != 0
    ok = [
        "users",
        "create",
        "--email",
        "a@example.org",
        "--name",
        "A",
        "--password",
        "a long enough passphrase",
    ]
    assert runner.invoke(args=ok).exit_code == 0
    again = runner.invoke(args=ok)
    assert again.exit_code != 0 and "already exists" in again.output
    with in_app(app):
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_demo_seed_adds_mentors_a_held_session_and_an_upcoming_booking(app, runner):
    from app.core.db import utcnow
    from app.mentoring import services as mentoring
    from app.mentoring.models import MentorProfile

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    with in_app(app):
        profiles = db.session.scalars(select(MentorProfile)).all()
        assert len({p.country for p in profiles}) == 3 and len({p.timezone for p in profiles}) == 3
        assert all(mentoring.free_slots(p, utcnow()) for p in profiles)
        learner = db.session.scalar(select(User).where(User.email == "learner@demo.doimpact.eu"))
        upcoming, past = mentoring.sessions_of_learner(learner, utcnow())
        assert len(upcoming) == 1 and len(past) == 1
        assert past[0].status == "held" and past[0].notes_shared and past[0].action_items


def test_demo_seed_adds_workshops_one_full_with_a_waiting_list_and_material(app, runner):
    from app.core.db import utcnow
    from app.workshops.models import Material, Registration, Workshop

    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0  # once however often it runs
    with in_app(app):
        workshops = db.session.scalars(select(Workshop)).all()
        now = utcnow()
        assert any(w.starts_at < now for w in workshops) and any(
            w.starts_at > now for w in workshops
        )
        assert (
            len({w.language for w in workshops}) >= 4 and len({w.country for w in workshops}) >= 4
        )
        assert any(w.seats_taken == w.capacity for w in workshops)
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(Registration.status == "waitlisted")
            )
            == 1
        )
        assert db.session.scalar(select(func.count()).select_from(Material)) >= 2
        learner = db.session.scalar(select(User).where(User.email == "learner@demo.doimpact.eu"))
        upcoming = [
            r
            for r in db.session.scalars(
                select(Registration).where(Registration.user_id == learner.id)
            )
            if r.workshop.starts_at > now
        ]
        assert [r.status for r in upcoming] == ["registered"]
