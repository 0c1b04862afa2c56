"""The accounts' periodic job, run by the scheduler beside the outbox dispatcher."""

from datetime import datetime

from app.core.db import begin_write
from app.core.jobs import periodic
from app.extensions import db

from . import services


@periodic("accounts-purge", "PURGE_INTERVAL", 3600)
def purge(now: datetime) -> services.PurgeReport:
    """Delete expired sessions, old failed sign-ins and old account mails (the runner commits)."""
    begin_write(db.session)
    return services.purge_expired(now)
