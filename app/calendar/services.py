"""Feed tokens and the personal subscription feed, gathered from every domain's events."""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import delete, func, select, update

from app.accounts.models import User
from app.core.catalogs import py_gettext as _
from app.core.db import write_apart
from app.extensions import db

from . import ics
from .models import FeedToken

# A link's last use is written at most this often (calendars read a feed every few hours).
USE_STAMP = timedelta(days=1)

FeedSource = Callable[[User, datetime], list[ics.CalendarEvent]]
_SOURCES: list[FeedSource] = []


def feed_source(function: FeedSource) -> FeedSource:
    """Register a function that lists a user's events for the feed (sessions, workshops)."""
    _SOURCES.append(function)
    return function


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_feed_token(user: User, now: datetime) -> str:
    """Create the user's feed secret, replacing (and so revoking) any earlier one."""
    secret = secrets.token_urlsafe(32)  # 256 random bits
    db.session.execute(delete(FeedToken).where(FeedToken.user_id == user.id))
    db.session.add(
        FeedToken(user_id=user.id, token_hash=_digest(secret), created_at=now, last_used_at=now)
    )
    return secret


def revoke_feed_token(user: User) -> bool:
    return db.session.execute(delete(FeedToken).where(FeedToken.user_id == user.id)).rowcount > 0


def feed_token_of(user: User) -> FeedToken | None:
    return db.session.scalar(select(FeedToken).where(FeedToken.user_id == user.id))


def user_for_feed(secret: str, now: datetime | None = None) -> User | None:
    """The active user a feed secret belongs to, or None (revoked, wrong, blocked, or the
    account is waiting for its erasure). With `now`, the link's last use is stamped, at most
    once a day (the retention job deletes links no calendar reads any more)."""
    if not secret or len(secret) > 100:
        return None
    digest = _digest(secret)
    token = db.session.scalar(select(FeedToken).where(FeedToken.token_hash == digest))
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.active or user.erasure_due_at is not None:
        return None
    if now is not None and (token.last_used_at is None or token.last_used_at < now - USE_STAMP):
        write_apart(
            db.session,
            update(FeedToken).where(FeedToken.id == token.id).values(last_used_at=now),
        )
    return user


def purge_unused_tokens(now: datetime, before: datetime) -> int:
    """Delete the feed links no calendar has read since `before` (never read: since made)."""
    last = func.coalesce(FeedToken.last_used_at, FeedToken.created_at)
    return db.session.execute(
        delete(FeedToken).where(last < before).execution_options(synchronize_session=False)
    ).rowcount


def build_feed(user: User, now: datetime) -> bytes:
    """The user's feed, its texts in the user's language."""
    with force_locale(user.locale):
        events = [event for source in _SOURCES for event in source(user, now)]
        name = _("DO Impact Academy: %(name)s", name=user.name)
    events.sort(key=lambda event: event.start)
    return ics.feed(name, events)
