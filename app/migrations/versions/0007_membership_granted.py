"""accounts: membership of an organisation is granted, not chosen

Existing links between people and organisations were chosen by the people themselves, so they
become requests (granted_at stays empty) that the organisation's manager or a coordinator
confirms. Nothing is deleted: the chosen organisation is kept as the request.

Revision ID: 0007_membership_granted
Revises: 0006_workshops
Create Date: 2026-12-07 06:40:00

"""

from alembic import op
import sqlalchemy as sa

revision = "0007_membership_granted"
down_revision = "0006_workshops"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("organisation_granted_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("organisation_granted_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_users_organisation_granted_by_id_users"),
            "users",
            ["organisation_granted_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_users_organisation_granted_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("organisation_granted_by_id")
        batch_op.drop_column("organisation_granted_at")
