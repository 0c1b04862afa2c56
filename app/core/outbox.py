"""The outbox every domain plans its messages into, in the same transaction as what they are
about: a row per message with a de-duplication key, and the renderer that builds its e-mail when
it is sent. The notifications domain claims and sends due rows (notifications/services.py);
planning, withdrawing and purging by key live here because every domain does them and `core`
imports no domain.
"""

import base64
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import JSON, ForeignKey, Index, String, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, utcnow
from app.core.mail import build_message
from app.extensions import db

# pending -> claimed -> sending -> sent; a failed send goes back to pending with a later due_at;
# void: no longer wanted (a cancelled session); unknown: the process died mid-send (not resent);
# failed: gave up after the last retry.
STATUSES = ("pending", "claimed", "sending", "sent", "void", "unknown", "failed")


class OutboxMessage(db.Model):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # De-duplication key, for example "booking:42:reminder-24h": a message is planned once.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    # What renders it: a renderer registered under this name builds the e-mail when it is sent.
    kind: Mapped[str] = mapped_column(String(60))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),)


Renderer = Callable[[OutboxMessage], EmailMessage | None]
_RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str):
    """Register the function that builds the e-mail of one kind of message when it is sent.

    It returns None when the message is no longer wanted (for example the session was cancelled).
    """

    def register(function: Renderer) -> Renderer:
        _RENDERERS[kind] = function
        return function

    return register


@renderer("prepared")
def _render_prepared(message: OutboxMessage) -> EmailMessage:
    """A message rendered when it was planned (for example a note to all participants)."""
    data = message.payload
    attachments = [
        (name, content_type, base64.b64decode(content))
        for name, content_type, content in data.get("attachments", ())
    ]
    return build_message(data["to"], data["subject"], data["text"], data.get("html"), attachments)


def prepared_payload(to: str, subject: str, text: str, html: str | None = None, attachments=()):
    """The payload of a 'prepared' message; attachments are (name, content type, bytes)."""
    return {
        "to": to,
        "subject": subject,
        "text": text,
        "html": html,
        "attachments": [
            (name, kind, base64.b64encode(data).decode()) for name, kind, data in attachments
        ],
    }


def plan(
    key: str,
    kind: str,
    due_at: datetime,
    *,
    user_id: int | None = None,
    payload: dict | None = None,
) -> OutboxMessage | None:
    """Plan a message once. A key planned before is left as it is and None is returned."""
    if kind not in _RENDERERS:
        raise ValueError(f"no renderer for {kind!r}")
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    message = OutboxMessage(
        key=key, kind=kind, due_at=due_at, user_id=user_id, payload=payload or {}
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:  # planned at the same moment by another transaction
        return None
    return message


def void(key_prefix: str) -> int:
    """Withdraw the messages not yet sent whose key starts with the prefix."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(_key_starts_with(key_prefix), OutboxMessage.status == "pending")
        .values(status="void")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _key_starts_with(key_prefix: str):
    escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return OutboxMessage.key.like(escaped + "%", escape="\\")


def purge_done(key_prefix: str, before: datetime, dry_run: bool = False) -> int:
    """Delete the sent or withdrawn messages whose key starts with the prefix and that were due
    before `before`; return how many went (or would go, on a dry run). Only for keys that are
    never planned again once their time has passed: a deleted key could be planned anew."""
    condition = (
        _key_starts_with(key_prefix),
        OutboxMessage.status.in_(("sent", "void")),
        OutboxMessage.due_at < before,
    )
    if dry_run:
        return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(*condition))
    return db.session.execute(
        delete(OutboxMessage).where(*condition).execution_options(synchronize_session=False)
    ).rowcount


def renderer_of(kind: str) -> Renderer:
    """The renderer registered for a kind of message (KeyError when there is none)."""
    return _RENDERERS[kind]
