"""Each worker keeps the signed-in user between requests (accounts.services.load_session_user)
and uses it again only while it equals what the database holds."""

from sqlalchemy import delete, select

from app.accounts import services
from app.accounts.models import Organisation, User, UserRole
from app.core.db import utcnow
from app.extensions import db
from tests.conftest import in_app


def _session_of(app, user_id) -> str:
    with in_app(app):
        token = services.start_session(db.session.get(User, user_id))
        db.session.commit()
        return token


def _as_worker(app, token, read):
    """What `read(user)` gives in a request of this worker under the session `token`."""
    with app.test_request_context():
        user = services.load_session_user(token, utcnow())
        return None if user is None else read(user)


def test_the_kept_user_serves_again_and_follows_changes_made_by_another_worker(
    app_factory, make_user, make_org
):
    worker, other = app_factory(), app_factory()
    organisation = make_org(name="Coop One")
    user_id = make_user(name="Anna", organisation=organisation)
    token = _session_of(worker, user_id)

    first = _as_worker(worker, token, lambda user: (id(user), user.organisation.name))
    again = _as_worker(worker, token, lambda user: (id(user), user.organisation.name))
    assert again == first  # the same object, kept

    with in_app(other):  # another worker renames the user and the organisation, grants a role
        user = db.session.get(User, user_id)
        user.name = "Anna Maria"
        db.session.get(Organisation, organisation).name = "Coop Renamed"
        user.roles.append(UserRole(role="mentor"))
        db.session.commit()
    seen = _as_worker(
        worker, token, lambda user: (user.name, user.organisation.name, user.has_role("mentor"))
    )
    assert seen == ("Anna Maria", "Coop Renamed", True)

    with in_app(other):  # ... and takes the role back
        db.session.execute(delete(UserRole).where(UserRole.user_id == user_id))
        db.session.commit()
    assert _as_worker(worker, token, lambda user: user.has_role("mentor")) is False

    with in_app(other):  # ... and ends the session: the kept user no longer serves it
        services.end_session(token)
        db.session.commit()
    assert _as_worker(worker, token, lambda user: user) is None


def test_a_change_left_unsaved_in_a_request_is_not_served_to_the_next(app, make_user):
    user_id = make_user(name="Anna")
    token = _session_of(app, user_id)

    def change_without_saving(user):
        user.name = "Not saved"
        return user.name

    assert _as_worker(app, token, change_without_saving) == "Not saved"
    assert _as_worker(app, token, lambda user: user.name) == "Anna"
    with in_app(app):
        assert db.session.scalar(select(User.name).where(User.id == user_id)) == "Anna"


def test_a_deactivated_user_is_signed_out_at_the_next_request(app, make_user):
    user_id = make_user()
    token = _session_of(app, user_id)
    assert _as_worker(app, token, lambda user: user.id) == user_id
    with in_app(app):
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert _as_worker(app, token, lambda user: user) is None


def test_the_kept_user_saves_what_a_request_changes(app, make_user):
    user_id = make_user(name="Anna")
    token = _session_of(app, user_id)
    _as_worker(app, token, lambda user: user.name)  # kept

    def save(user):
        user.name = "Anna Saved"
        db.session.commit()

    _as_worker(app, token, save)
    with in_app(app):
        assert db.session.scalar(select(User.name).where(User.id == user_id)) == "Anna Saved"
    assert _as_worker(app, token, lambda user: user.name) == "Anna Saved"
