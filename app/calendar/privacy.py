"""What the calendar holds about a person: the tokens of their subscription feeds."""

from app.core import privacy
from app.core.catalogs import lazy_gettext as _l
from app.core.privacy import Policy, Provider

PROVIDER = privacy.register(
    Provider(
        domain="calendar",
        title=_l("Calendar subscriptions"),
        description=_l(
            "The private links of your calendar subscriptions. They are deleted when your "
            "account is erased."
        ),
        policies={
            ("calendar_feed_tokens", "user_id"): Policy(erase="delete", hidden=("token_hash",)),
        },
    )
)
