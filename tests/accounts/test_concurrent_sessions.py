"""Signed-in pages under concurrent load on a file database: no request fails.

Every signed-in request reads its session; its last activity is written apart from the
request's own transaction (at most once per SESSION_ACTIVITY_INTERVAL, here on every request to
make the writes collide), and requests that write begin as writers on SQLite, so the busy
timeout applies instead of an immediate "database is locked"."""

import threading
from collections import Counter

from tests.conftest import PASSWORD, user_email

WORKERS = 3  # apps standing for worker processes
CLIENTS = 12
ROUNDS = 15


def test_concurrent_signed_in_requests_never_fail(app_factory, make_user, synced):
    apps = [app_factory(SESSION_ACTIVITY_INTERVAL=0) for _ in range(WORKERS)]
    users = [make_user(name=f"Person {i}", email=f"load{i}@example.org") for i in range(CLIENTS)]
    clients = []
    for index, user_id in enumerate(users):
        client = apps[index % WORKERS].test_client()
        response = client.post(
            "/signin", data={"email": user_email(apps[0], user_id), "password": PASSWORD}
        )
        assert response.status_code == 302
        clients.append(client)
    course = next(iter(synced))
    statuses: Counter = Counter()
    errors: list[str] = []
    barrier = threading.Barrier(CLIENTS)

    def browse(index: int, client) -> None:
        barrier.wait()
        for round_ in range(ROUNDS):
            try:
                if (index + round_) % 3 == 0:  # a write among the reads
                    response = client.post(f"/courses/{course}/enrol")
                else:
                    response = client.get("/learning" if round_ % 2 else "/profile")
                statuses[response.status_code] += 1
            except Exception as error:  # what the app let through counts as a failure
                errors.append(repr(error))

    threads = [threading.Thread(target=browse, args=pair) for pair in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert set(statuses) <= {200, 302}, statuses
    assert sum(statuses.values()) == CLIENTS * ROUNDS
