"""accounts: erasure asked for with a grace period; calendar: when a feed link was last used;
courses: certificates withdrawn at erasure

Two nullable columns on users (when erasure was asked for, and when it is carried out), one on
calendar_feed_tokens (when a calendar last read the feed), filled with the link's creation time
so that retention counts from a known moment, and one on certificates (when it was withdrawn),
set for the certificates of accounts already erased; and a table of the last run of each
retention job (counts only). Nothing is deleted.

Revision ID: 0009_erasure_and_retention
Revises: 0008_second_language
Create Date: 2026-12-21 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009_erasure_and_retention"
down_revision = "0008_second_language"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("erasure_requested_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("erasure_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_users_erasure_due_at", ["erasure_due_at"], unique=False)
    with op.batch_alter_table("calendar_feed_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE calendar_feed_tokens SET last_used_at = created_at")
    op.create_table(
        "retention_runs",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("ran_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
    # Certificates of accounts erased before this revision lose their validity too.
    op.execute(
        "UPDATE certificates SET revoked_at = issued_at WHERE holder_name = '—' AND user_id IN "
        "(SELECT id FROM users WHERE active = false AND email LIKE 'erased-%')"
    )


def downgrade():
    op.drop_table("retention_runs")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("revoked_at")
    with op.batch_alter_table("calendar_feed_tokens", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_erasure_due_at")
        batch_op.drop_column("erasure_due_at")
        batch_op.drop_column("erasure_requested_at")
