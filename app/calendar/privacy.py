"""What the calendar holds about a person: the tokens of their subscription feeds."""

from app.core import privacy
from app.core.privacy import Policy, Provider

PROVIDER = privacy.register(
    Provider(
        domain="calendar",
        policies={
            ("calendar_feed_tokens", "user_id"): Policy(erase="delete", hidden=("token_hash",)),
        },
    )
)
