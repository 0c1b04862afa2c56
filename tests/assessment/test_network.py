"""A network manager sees the latest results of their member organisations (averages, the most
common needs, a CSV), never an organisation outside their network; coordinators see the needs
map, where a figure resting on fewer than five organisations shows as <5; and both pages keep
a fixed number of queries as organisations grow."""

from datetime import timedelta

import pytest

from app.assessment import services
from app.assessment.models import Assessment
from app.core.db import utcnow
from app.extensions import db
from tests.conftest import count_queries, in_app

DIMENSIONS = ("strategy", "readiness", "people", "data", "automation", "green")


def scores(*values) -> dict:
    return dict(zip(DIMENSIONS, values, strict=True))


@pytest.fixture
def sector(app, make_org, make_user, questionnaire):
    now = utcnow()
    network = make_org(name="Rete", kind="second_tier", country="IT")
    other_network = make_org(name="Altra Rete", kind="second_tier", country="ES")
    members = [
        make_org(name=f"Coop {n}", kind="cooperative", country="IT", parent=network)
        for n in range(6)
    ]
    outsider = make_org(name="Outside Coop", kind="association", country="ES", parent=other_network)
    with in_app(app):
        for n, organisation in enumerate(members):
            # An older result that the latest one replaces.
            db.session.add(
                Assessment(
                    organisation_id=organisation,
                    status="submitted",
                    submitted_at=now - timedelta(days=200),
                    scores=scores(0, 0, 0, 0, 0, 0),
                )
            )
            db.session.add(
                Assessment(
                    organisation_id=organisation,
                    status="submitted",
                    submitted_at=now - timedelta(days=n),
                    scores=scores(80, 60 + n, 50, 20 + n, 90, 40),
                )
            )
        db.session.add(
            Assessment(
                organisation_id=outsider,
                status="submitted",
                submitted_at=now,
                scores=scores(10, 10, 10, 10, 10, 10),
            )
        )
        db.session.commit()
    return {
        "manager": make_user(roles=("manager",), organisation=network),
        "other_manager": make_user(roles=("manager",), organisation=other_network),
        "coordinator": make_user(roles=("coordinator",)),
        "member": make_user(organisation=members[0]),
        "outsider_name": "Outside Coop",
    }


def test_a_manager_sees_their_members_latest_results_and_nobody_elses(app, login_as, sector):
    client = app.test_client()
    login_as(client, sector["manager"])
    page = client.get("/assessment/network").get_data(True)
    assert "The latest results of 6 member organisations." in page
    assert "Outside Coop" not in page
    # Averages of the latest results only: strategy 80, data (20+...+25)/6 = 22.5 -> 23.
    assert "80 <span" in page and "23 <span" in page
    needs = page[page.index("The most common needs") :]
    assert needs.index("Data management") < needs.index("Digital readiness")
    csv = client.get("/assessment/network.csv")
    assert csv.mimetype == "text/csv"
    lines = csv.get_data(True).lstrip("\ufeff").splitlines()
    assert len(lines) == 7 and lines[0].startswith("Organisation,Country,Kind,Submitted on")
    assert "Outside Coop" not in csv.get_data(True)
    other = app.test_client()
    login_as(other, sector["other_manager"])
    page = other.get("/assessment/network").get_data(True)
    assert "Outside Coop" in page and "Coop 1" not in page
    member = app.test_client()
    login_as(member, sector["member"])
    assert member.get("/assessment/network").status_code == 403
    assert member.get("/assessment/map").status_code == 403


def test_the_needs_map_hides_figures_resting_on_fewer_than_five(app, login_as, sector):
    client = app.test_client()
    login_as(client, sector["coordinator"])
    page = client.get("/assessment/map").get_data(True)
    assert "Based on the latest self-assessment of 7 organisations." in page
    italy = page[page.index("Italy") :][:600]
    assert "80" in italy  # six Italian cooperatives: shown
    spain = page[page.index("Spain") :][:600]
    assert "&lt;5" in spain and ">10<" not in spain  # one Spanish association: hidden


def test_network_and_map_pages_keep_a_fixed_number_of_queries(app, login_as, make_org, sector):
    client = app.test_client()
    login_as(client, sector["coordinator"])
    manager = app.test_client()
    login_as(manager, sector["manager"])
    client.get("/assessment/map")  # each worker keeps the signed-in user after the first page
    manager.get("/assessment/network")
    counts = []
    for extra in (0, 30):
        with in_app(app):
            network = db.session.scalar(
                db.select(services.Organisation.id).where(services.Organisation.name == "Rete")
            )
        for n in range(extra):
            organisation = make_org(name=f"More {extra}-{n}", country="LV", parent=network)
            with in_app(app):
                db.session.add(
                    Assessment(
                        organisation_id=organisation,
                        status="submitted",
                        submitted_at=utcnow(),
                        scores=scores(50, 50, 50, 50, 50, 50),
                    )
                )
                db.session.commit()
        with count_queries(app) as map_queries:
            assert client.get("/assessment/map").status_code == 200
        with count_queries(app) as network_queries:
            assert manager.get("/assessment/network").status_code == 200
        counts.append((len(map_queries), len(network_queries)))
    assert counts[0] == counts[1]
