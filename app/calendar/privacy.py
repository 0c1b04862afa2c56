"""What the calendar holds about a person: the tokens of their subscription feeds."""

from app.core import privacy
from app.core.catalogs import lazy_gettext as _l
from app.core.privacy import Policy, Provider, Retention

from .services import purge_unused_tokens

PROVIDER = privacy.register(
    Provider(
        domain="calendar",
        title=_l("Calendar subscriptions"),
        description=_l(
            "The private links of your calendar subscriptions. They are deleted when your "
            "account is erased."
        ),
        policies={
            ("calendar_feed_tokens", "user_id"): Policy(
                erase="delete", hidden=("token_hash",), label=_l("Calendar subscription links")
            ),
        },
        fields={"last_used_at": _l("Last read by a calendar on")},
    )
)

privacy.retain(
    Retention(
        name="unused-calendar-links",
        setting="FEED_TOKEN_RETENTION_DAYS",
        title=_l("Calendar subscription links"),
        description=_l(
            "A link no calendar has read for this long is deleted; you can make a new one on "
            "your calendar page."
        ),
        purge=purge_unused_tokens,
        order=20,
    )
)
