"""paginate(): the page asked for, clamped, with its total; a short first page needs no count."""

from sqlalchemy import select

from app.accounts.models import Organisation
from app.core.pagination import paginate
from tests.conftest import count_queries, in_app


def _page(app, number, per_page):
    with count_queries(app, selects_only=True) as statements, in_app(app):
        statement = select(Organisation).order_by(Organisation.id)
        page = paginate(statement, number, per_page)
        names = [organisation.name for organisation in page.items]
    counts = [s for s in statements if "count(" in s]
    return page, names, len(counts)


def test_pages_totals_and_counts(app, make_org):
    for index in range(7):
        make_org(name=f"Org {index}")
    page, names, counts = _page(app, 1, 10)  # one page, not full: its rows are all there is
    assert (page.total, page.pages, len(names), counts) == (7, 1, 7, 0)
    page, names, counts = _page(app, 1, 3)  # a full first page: the total needs a count
    assert (page.total, page.pages, names, counts) == (7, 3, ["Org 0", "Org 1", "Org 2"], 1)
    assert page.has_next and not page.has_prev
    page, names, counts = _page(app, 3, 3)
    assert (page.page, names, counts) == (3, ["Org 6"], 1)
    page, names, _ = _page(app, 99, 3)  # beyond the last page: the last one
    assert (page.page, names) == (3, ["Org 6"])
    page, names, _ = _page(app, -4, 3)  # before the first: the first
    assert (page.page, names) == (1, ["Org 0", "Org 1", "Org 2"])
    page, names, counts = _page(app, 1, 7)  # exactly full
    assert (page.total, page.pages, counts) == (7, 1, 1)


def test_an_empty_list_is_one_empty_page(app):
    page, names, counts = _page(app, 1, 5)
    assert (page.total, page.pages, page.page, names, counts) == (0, 1, 1, [], 0)
