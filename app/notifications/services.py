"""Plan messages into the outbox and dispatch the due ones exactly once.

No job per message and no shared job store (see shared/SCHEDULING.md): messages are rows of our
own table, planned in the same transaction as what they are about, and one periodic dispatcher
claims due rows atomically before it sends them. Two dispatchers, a restart or a crash between
claim and send never deliver a message twice:

- claim: pending -> claimed (with who and when) in one UPDATE; on PostgreSQL the candidate rows
  are locked with FOR UPDATE SKIP LOCKED, on SQLite the UPDATE runs in BEGIN IMMEDIATE;
- right before delivery: claimed -> sending, only if still ours;
- after delivery: sending -> sent. A failed send goes back to pending with back-off, and gives
  up (failed) after MAX_ATTEMPTS; a message that cannot even be built (a renderer error, a
  header with a line break) gives up at once. Either way the batch goes on with the next one.
- A claim older than the lease (the process died before sending) goes back to pending; a row
  left in sending (it died mid-send) becomes unknown and is not sent again.
"""

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from app.core import outbox
from app.core.db import begin_write
from app.core.mail import UnsafeHeaderError, deliver
from app.core.outbox import (  # noqa: F401 -- re-exported: the dispatcher's callers use them
    OutboxMessage,
    plan,
    prepared_payload,
    purge_done,
    renderer,
    void,
)
from app.extensions import db

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
BACKOFF_MINUTES = (1, 5, 15, 60)  # after the 1st, 2nd, 3rd and later failures
MAX_ATTEMPTS = 6


@dataclass
class DispatchReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    void: int = 0
    released: int = 0
    unknown: int = 0

    def __bool__(self) -> bool:
        return any(vars(self).values())


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def recover_stale(now: datetime) -> tuple[int, int]:
    """Release claims whose process died before sending; flag rows it left mid-send."""
    begin_write(db.session)
    stale = OutboxMessage.claimed_at < now - LEASE
    released = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "claimed", stale)
        .values(status="pending", claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    unknown = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", stale)
        .values(status="unknown")
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if unknown:
        log.warning("outbox: %d message(s) left mid-send by a stopped process", unknown)
    return released, unknown


def claim_due(now: datetime, worker: str, batch: int = 100) -> list[int]:
    """Claim up to `batch` due messages for this worker, atomically."""
    candidates = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == "pending", OutboxMessage.due_at <= now)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    begin_write(db.session)
    claimed = db.session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates.scalar_subquery()))
        .where(OutboxMessage.status == "pending")
        .values(status="claimed", claimed_by=worker, claimed_at=now)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(claimed)


def _move(message_id: int, worker: str, from_status: str, **values) -> bool:
    begin_write(db.session)
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.status == from_status,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def send_claimed(message_id: int, worker: str, now: datetime, report: DispatchReport) -> None:
    """Build and deliver one claimed message; whatever goes wrong stays with this message."""
    if not _move(message_id, worker, "claimed", status="sending", claimed_at=now):
        return  # our claim expired and another dispatcher took it over
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    kind, attempts = message.kind, message.attempts + 1
    try:
        email = outbox.renderer_of(kind)(message)
    except Exception as error:
        # It would fail the same way every time: give up at once, for a coordinator to see.
        # Never the address or the text in the log: only which message and what failed.
        db.session.rollback()
        log.warning(
            "outbox: message %s (%s) could not be built: %s", message_id, kind, error_name(error)
        )
        _give_up(message_id, worker, attempts, f"could not build the message: {error_name(error)}")
        report.failed += 1
        return
    if email is None:
        _move(message_id, worker, "sending", status="void")
        report.void += 1
        return
    try:
        deliver(email)
    except Exception as error:
        # A definite failure (refused, 4xx/5xx, a bad certificate) or an unexpected one: the
        # message was not handed over, so it is tried again later, up to MAX_ATTEMPTS times.
        db.session.rollback()
        log.warning("outbox: message %s (%s) failed: %s", message_id, kind, error_name(error))
        if attempts >= MAX_ATTEMPTS:
            _give_up(message_id, worker, attempts, error_name(error))
            report.failed += 1
            return
        wait = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
        _move(
            message_id,
            worker,
            "sending",
            status="pending",
            attempts=attempts,
            due_at=now + timedelta(minutes=wait),
            claimed_by=None,
            claimed_at=None,
            last_error=error_name(error),
        )
        report.retried += 1
        return
    _move(message_id, worker, "sending", status="sent", sent_at=now, attempts=attempts)
    report.sent += 1


def _give_up(message_id: int, worker: str, attempts: int, reason: str) -> None:
    """Mark a message failed for good, with a reason a coordinator can read."""
    _move(message_id, worker, "sending", status="failed", attempts=attempts, last_error=reason)


def error_name(error: Exception) -> str:
    """What failed, for the log and the coordinators' page: never the exception's text, which
    may quote an address or the message (our own header check names only the header)."""
    if isinstance(error, UnsafeHeaderError):
        return f"{type(error).__name__} ({error})"
    return type(error).__name__


def dispatch_due(now: datetime, worker: str | None = None, batch: int = 100) -> DispatchReport:
    """Send every message due at `now`, batch by batch."""
    worker = worker or worker_name()
    report = DispatchReport()
    report.released, report.unknown = recover_stale(now)
    while True:
        claimed = claim_due(now, worker, batch)
        for message_id in claimed:
            send_claimed(message_id, worker, now, report)
        if len(claimed) < batch:
            return report


def send_now(message: OutboxMessage | None, now: datetime) -> None:
    """Try to send a just-planned message at once (after the caller's commit).

    Whatever fails stays in the outbox for the dispatcher, so nothing is lost.
    """
    if message is None or message.due_at > now:
        return
    worker = worker_name()
    begin_write(db.session)
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == "pending")
        .values(status="claimed", claimed_by=worker, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed:
        send_claimed(message.id, worker, now, DispatchReport())


def problems(limit: int = 50) -> list[OutboxMessage]:
    """Messages a coordinator should look at: given up, or possibly sent (mid-send crash)."""
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(("failed", "unknown")))
            .order_by(OutboxMessage.due_at.desc())
            .limit(limit)
        )
    )


def problems_page(page: int, per_page: int):
    """Messages a coordinator should look at, newest first, one page of them."""
    from app.core.pagination import paginate

    return paginate(
        select(OutboxMessage)
        .where(OutboxMessage.status.in_(("failed", "unknown")))
        .order_by(OutboxMessage.due_at.desc(), OutboxMessage.id.desc()),
        page,
        per_page,
    )


def retry(message_id: int, now: datetime) -> bool:
    """Put a given-up or possibly-sent message back in the queue, on a coordinator's word."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status.in_(("failed", "unknown")))
        .values(status="pending", due_at=now, attempts=0, claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1
