"""routing: each agent's capacity and skills, when they were last offered a conversation,
and how many offers they missed

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable or defaulted columns are added in place on both engines. A null capacity
    # means the setting's default; null skills mean every skill.
    op.add_column("users", sa.Column("capacity", sa.Integer()))
    op.add_column("users", sa.Column("skills", sa.JSON()))
    op.add_column("users", sa.Column("last_offer_at", sa.DateTime(timezone=True)))
    op.add_column(
        "users", sa.Column("missed_offers", sa.Integer(), nullable=False, server_default="0")
    )


def downgrade() -> None:
    # batch mode: SQLite cannot drop a column in place, so Alembic rebuilds the table.
    with op.batch_alter_table("users") as batch:
        batch.drop_column("missed_offers")
        batch.drop_column("last_offer_at")
        batch.drop_column("skills")
        batch.drop_column("capacity")
