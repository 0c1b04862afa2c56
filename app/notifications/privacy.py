"""What the outbox holds about a person: messages planned and sent to them. Unsent ones go;
sent ones lose their content and stay as counts."""

from sqlalchemy import delete, update

from app.core import privacy
from app.core.catalogs import lazy_gettext as _l
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
        title=_l("E-mails"),
        description=_l(
            "The e-mails we send you, kept until they are sent. After erasure the ones not yet "
            "sent are deleted and the sent ones lose their content."
        ),
        policies={("outbox", "user_id"): Policy(export=False, erase="outbox")},
        erasers={"outbox": _outbox},
        order=900,  # after the domains that plan last messages (cancellations) while erasing
    )
)
