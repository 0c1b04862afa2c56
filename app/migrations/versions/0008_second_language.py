"""accounts: a second language of the learner's own, read before the built-in fallback chain

A nullable column: existing people keep the built-in chain (Catalan readers get Spanish, then
English) until they choose a second language on their profile. Nothing is rewritten or lost.

Revision ID: 0008_second_language
Revises: 0007_membership_granted
Create Date: 2026-12-14 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008_second_language"
down_revision = "0007_membership_granted"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("second_locale", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("second_locale")
