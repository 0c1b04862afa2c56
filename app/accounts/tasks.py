"""The accounts' periodic jobs, run by the scheduler beside the outbox dispatcher."""

from datetime import datetime

from app.core.db import begin_write
from app.core.jobs import periodic
from app.extensions import db

from . import privacy, services


@periodic("accounts-purge", "PURGE_INTERVAL", 3600)
def purge(now: datetime) -> services.PurgeReport:
    """Delete expired sessions, old failed sign-ins and old account mails (the runner commits)."""
    begin_write(db.session)
    return services.purge_expired(now)


@periodic("accounts-erasure", "ERASURE_INTERVAL", 900)
def carry_out_erasures(now: datetime) -> str:
    """Erase the accounts whose grace period is over (the runner commits); the count only."""
    begin_write(db.session)
    count = privacy.erase_due_accounts(now)
    return f"{count} account(s) erased" if count else ""
