"""What the outbox holds about a person: messages planned and sent to them. Unsent ones go;
sent ones lose their content and stay as counts."""

from sqlalchemy import delete, update

from app.core import outbox, privacy
from app.core.catalogs import lazy_gettext as _l
from app.core.privacy import Policy, Provider, Retention
from app.extensions import db


def _outbox(table, column, person, now) -> None:
    db.session.execute(
        delete(table).where(table.c[column] == person.id, table.c.status.in_(("pending", "failed")))
    )
    db.session.execute(update(table).where(table.c[column] == person.id).values(payload={}))


PROVIDER = privacy.register(
    Provider(
        domain="notifications",
        title=_l("E-mails"),
        description=_l(
            "The e-mails we send you: what each was about and when it was sent. After erasure "
            "the ones not yet sent are deleted and the sent ones lose their content."
        ),
        policies={
            ("outbox", "user_id"): Policy(
                erase="outbox",
                # What was sent and when; never the content (it can hold sign-in links).
                hidden=("key", "payload", "attempts", "claimed_by", "claimed_at", "last_error"),
                label=_l("E-mails to you"),
            )
        },
        fields={"due_at": _l("Due"), "sent_at": _l("Sent on")},
        erasers={"outbox": _outbox},
        order=900,  # after the domains that plan last messages (cancellations) while erasing
    )
)


def _purge_sent(now, before) -> int:
    """Sent and withdrawn messages due before `before` (keys of past events are never planned
    again, so nothing is sent twice)."""
    return outbox.purge_done("", before)


privacy.retain(
    Retention(
        name="sent-emails",
        setting="OUTBOX_RETENTION_DAYS",
        title=_l("E-mails sent to you"),
        description=_l("Sent and withdrawn e-mails are deleted this long after they were due."),
        purge=_purge_sent,
        order=10,
    )
)
