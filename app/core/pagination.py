"""Pagination of select statements."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from app.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(statement: Select, page: int, per_page: int) -> Page:
    """The requested page (clamped to range): one limited select, and one count unless the
    first page is not full (then its rows are all there is, as on most short lists)."""
    if page <= 1:
        items = list(db.session.scalars(statement.limit(per_page)))
        if len(items) < per_page:
            return Page(items=items, page=1, per_page=per_page, total=len(items))
        return Page(items=items, page=1, per_page=per_page, total=_count(statement))
    total = _count(statement)
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    items = list(db.session.scalars(statement.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def page_of(items: list, page: int, per_page: int) -> Page:
    """The requested page (clamped to range) of a list already in memory."""
    pages = max(1, -(-len(items) // per_page))
    page = min(max(page, 1), pages)
    return Page(
        items=items[(page - 1) * per_page : page * per_page],
        page=page,
        per_page=per_page,
        total=len(items),
    )


def _count(statement: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
