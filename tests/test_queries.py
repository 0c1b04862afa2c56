"""List pages run a bounded number of queries whatever the data size (no N+1)."""

import pytest

from app.accounts import services
from app.accounts.models import User
from app.extensions import db
from tests.conftest import count_queries, in_app


def populate(app, make_user, make_org, count):
    network = make_org(kind="second_tier")
    with in_app(app):
        coordinator = db.session.get(User, make_user(roles=("coordinator",)))
        for index in range(count):
            org = make_org(parent=network, approved=index % 2 == 0)
            user = db.session.get(User, make_user(roles=("mentor",) if index % 3 else ()))
            user.organisation_id = org
            services.grant_role(coordinator, user, "trainer")
        db.session.commit()


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit", "/admin/organisations"])
def test_admin_lists_run_the_same_queries_for_5_and_40_rows(
    app, make_user, make_org, login_as, path
):
    client = app.test_client()
    populate(app, make_user, make_org, 5)
    login_as(client, make_user(roles=("coordinator",), email="me@example.org"))
    client.get(path)  # a worker reads a session's user in full once, then only checks it
    with count_queries(app) as small:
        assert client.get(path).status_code == 200
    populate(app, make_user, make_org, 35)
    with count_queries(app) as large:
        assert client.get(path).status_code == 200
    # A first page that is not full needs no count: the small list may run one query less.
    assert len(small) <= len(large) <= len(small) + 1 <= 13, "\n".join(
        s.split("\n")[0][:150] + " | " + s.split("\n")[1][:80] if "\n" in s else s[:150]
        for s in large
    )
