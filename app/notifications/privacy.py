"""What the outbox holds about a person: messages planned and sent to them. Unsent ones go;
sent ones lose their content and stay as counts."""

from sqlalchemy import delete, update

from app.core import privacy
from app.core.privacy import Policy, Provider
from app.extensions import db


def _outbox(table, column, person, now) -> None:
    db.session.execute(
        delete(table).where(table.c[column] == person.id, table.c.status.in_(("pending", "failed")))
    )
    db.session.execute(update(table).where(table.c[column] == person.id).values(payload={}))


PROVIDER = privacy.register(
    Provider(
        domain="notifications",
        policies={("outbox", "user_id"): Policy(export=False, erase="outbox")},
        erasers={"outbox": _outbox},
        order=900,  # after the domains that plan last messages (cancellations) while erasing
    )
)
