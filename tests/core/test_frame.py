"""The page frame kept per kind of reader (core/frame.py) reads exactly as one rendered afresh."""

import re

import pytest

CSRF_VALUE = re.compile(r'(name="csrf_token" value=")[^"]+(")')


def _page(client, app, path: str, kept: bool) -> str:
    app.config["FRAME_CACHE"] = kept
    response = client.get(path)
    assert response.status_code in (200, 400, 404), (path, response.status_code)
    # A CSRF token carries the second it was signed in: compare everything else.
    return CSRF_VALUE.sub(r"\1-\2", response.text)


@pytest.mark.parametrize("roles", [None, (), ("mentor",), ("trainer",), ("coordinator",)])
def test_the_kept_frame_reads_as_the_fresh_one_for_every_kind_of_reader(
    app, make_user, login_as, roles
):
    client = app.test_client()
    if roles is not None:
        login_as(client, make_user(roles=roles))
        client.get("/")  # shows the welcome message once
    paths = (
        "/?lang=en",
        "/?lang=lv",
        "/courses?lang=ca",
        '/courses?q=a"<b>&x=1&lang=it',  # the links to other languages keep an escaped query
        "/workshops",
        "/privacy?lang=sv",
        "/no-such-page?lang=lt",
        "/no-such-page%00csrf%00/%00lang-after%00?lang=en",  # markers typed in are only text
    )
    for path in paths:
        fresh = _page(client, app, path, kept=False)
        _page(client, app, path, kept=True)  # kept here
        assert _page(client, app, path, kept=True) == fresh, path
    if roles is not None:  # the sign-out form's token is this session's own
        app.config["FRAME_CACHE"] = True
        page = client.get("/?lang=en").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post("/signout", data={"csrf_token": token})
        assert response.status_code == 302


def test_a_kept_frame_follows_the_readers_roles_and_language(app, make_user, login_as):
    client = app.test_client()
    login_as(client, make_user(roles=("coordinator",)))
    assert 'href="/admin/users"' in client.get("/?lang=lv").text
    other = app.test_client()
    login_as(other, make_user())
    page = other.get("/?lang=lv").text
    assert 'href="/admin/users"' not in page and "Administrēšana" not in page
    assert '<html lang="lv">' in page and ">Iziet</button>" in page
    assert ">Sign out</button>" in other.get("/?lang=en").text
