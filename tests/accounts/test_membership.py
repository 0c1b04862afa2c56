"""Membership of an organisation is granted (by its manager, a coordinator or an invitation),
never chosen: rules that depend on membership count granted members only."""

import re

from sqlalchemy import select

from app.accounts import services
from app.accounts.models import User
from app.core.audit import AuditEvent
from app.extensions import db
from app.workshops import services as workshops
from app.workshops.models import Workshop
from tests.conftest import in_app


def profile_data(organisation_id, **overrides):
    data = {
        "name": "Lina Ozola",
        "country": "LV",
        "locale": "en",
        "timezone": "Europe/Riga",
        "organisation": str(organisation_id),
        "org_name": "",
        "org_kind": "",
        "org_country": "",
        "org_parent": "",
    }
    data.update(overrides)
    return data


def membership(app, user_id):
    with in_app(app):
        user = db.session.get(User, user_id)
        return user.organisation_id, user.organisation_granted_at is not None


def test_choosing_an_organisation_on_the_profile_does_not_open_its_workshops(
    app, login_as, make_user, make_org, make_workshop
):
    network = make_org(name="Tīkls", kind="second_tier", country="LV")
    closed = make_org(name="Slēgtā kooperatīva", country="LV", parent=network)
    _trainer, workshop_id = make_workshop(audience_organisations=[closed])
    learner = make_user(country="IT")
    manager = make_user(roles=("manager",), organisation=network)
    client = app.test_client()
    login_as(client, learner)

    client.post(f"/workshops/{workshop_id}/register")
    assert client.post("/profile", data=profile_data(closed)).status_code == 302
    assert membership(app, learner) == (closed, False)  # a request, not a membership
    page = client.get("/profile").get_data(as_text=True)
    assert "waiting for confirmation" in page
    response = client.post(f"/workshops/{workshop_id}/register", follow_redirects=True)
    assert "for members of certain organisations" in response.get_data(as_text=True)
    with in_app(app):
        assert (
            workshops.in_audience(
                db.session.get(User, learner), db.session.get(Workshop, workshop_id)
            )
            is False
        )

    # The network's manager confirms the request; then the workshop is open.
    manager_client = app.test_client()
    login_as(manager_client, manager)
    listed = manager_client.get("/organisation/members").get_data(as_text=True)
    assert "Test Person" in listed and "Slēgtā kooperatīva" in listed
    assert manager_client.post(f"/organisation/members/{learner}/grant").status_code == 302
    assert membership(app, learner) == (closed, True)
    client.post(f"/workshops/{workshop_id}/register")
    assert "(confirmed member)" in client.get("/profile").get_data(as_text=True)
    with in_app(app):
        assert (
            workshops.in_audience(
                db.session.get(User, learner), db.session.get(Workshop, workshop_id)
            )
            is True
        )
        granted = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "membership_granted")
        )
        assert granted.actor_id == manager and granted.subject_id == learner

    # Saving the profile unchanged keeps a granted membership.
    client.post("/profile", data=profile_data(closed))
    assert membership(app, learner) == (closed, True)
    # Moving to another organisation on the profile is a new request again.
    other = make_org(name="Cita", country="LV", parent=network)
    client.post("/profile", data=profile_data(other))
    assert membership(app, learner) == (other, False)
    # The manager declines it: the person then belongs to no organisation.
    assert manager_client.post(f"/organisation/members/{learner}/decline").status_code == 302
    assert membership(app, learner) == (None, False)


def test_only_the_organisations_manager_or_a_coordinator_decides(
    app, login_as, make_user, make_org
):
    network = make_org(kind="second_tier")
    member_org = make_org(parent=network)
    elsewhere = make_org()
    asker = make_user(organisation=member_org, pending=True)
    stranger_manager = make_user(roles=("manager",), organisation=elsewhere)
    pending_manager = make_user(roles=("manager",), organisation=network, pending=True)
    learner = make_user(organisation=member_org)
    coordinator = make_user(roles=("coordinator",))

    for user_id, expected in ((learner, 403), (stranger_manager, 404), (pending_manager, 404)):
        client = app.test_client()
        login_as(client, user_id)
        assert client.post(f"/organisation/members/{asker}/grant").status_code == expected
        if expected == 404:
            assert "Test Person" not in client.get("/organisation/members").get_data(as_text=True)
    assert membership(app, asker) == (member_org, False)

    client = app.test_client()
    login_as(client, coordinator)
    assert asker and "Test Person" in client.get("/organisation/members").get_data(as_text=True)
    assert client.post(f"/organisation/members/{asker}/grant").status_code == 302
    assert membership(app, asker) == (member_org, True)
    confirmed = client.get("/organisation/members?show=members").get_data(as_text=True)
    assert "Remove Test Person" in confirmed


def test_an_invitation_link_grants_membership_until_the_inviter_loses_the_right(
    app, login_as, make_user, make_org
):
    organisation = make_org(name="Kooperatyvas Saulė", country="LT")
    manager = make_user(roles=("manager",), organisation=organisation, name="Rūta Manager")
    newcomer = make_user(country="LT")
    later = make_user(country="LT")
    manager_client = app.test_client()
    login_as(manager_client, manager)
    page = manager_client.post(f"/organisations/{organisation}/invitation").get_data(as_text=True)
    path = re.search(r'value="http://localhost(/join/[^"]+)"', page).group(1)

    client = app.test_client()
    login_as(client, newcomer)
    shown = client.get(path).get_data(as_text=True)
    assert "Rūta Manager" in shown and "Kooperatyvas Saulė" in shown
    assert membership(app, newcomer) == (None, False)  # opening the link changes nothing
    assert client.post(path).status_code == 302
    assert membership(app, newcomer) == (organisation, True)
    assert client.post(path[:-3] + "xyz").status_code == 302  # a tampered link: no change

    # A link from someone who may no longer invite dies with that right.
    with in_app(app):
        inviter = db.session.get(User, manager)
        services.revoke_role(inviter, inviter, "manager")
        db.session.commit()
    late_client = app.test_client()
    login_as(late_client, later)
    response = late_client.post(path, follow_redirects=True)
    assert "not valid" in response.get_data(as_text=True)
    assert membership(app, later) == (None, False)


def test_approving_a_proposed_organisation_makes_its_proposer_a_member(app, login_as, make_user):
    coordinator = make_user(roles=("coordinator",))
    proposer = make_user()
    client = app.test_client()
    login_as(client, proposer)
    data = profile_data(
        "", org_name="Nova Coop", org_kind="cooperative", org_country="IT", country="IT"
    )
    assert client.post("/profile", data=data).status_code == 302
    organisation_id, granted = membership(app, proposer)
    assert organisation_id and not granted
    admin = app.test_client()
    login_as(admin, coordinator)
    assert admin.post(f"/admin/organisations/{organisation_id}/approve").status_code == 302
    assert membership(app, proposer) == (organisation_id, True)
