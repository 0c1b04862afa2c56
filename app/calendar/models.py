"""Personal calendar feed tokens: the secret is shown once and stored only as a hash."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, utcnow
from app.extensions import db


class FeedToken(db.Model):
    __tablename__ = "calendar_feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a calendar last read the feed (written at most once a day); a link unused for
    # FEED_TOKEN_RETENTION_DAYS is deleted by the retention job.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
