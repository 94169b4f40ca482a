"""customers: profile fields optional, so a signed but unknown customer id becomes a contact

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 08:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

COLUMNS = (
    ("name", sa.String(length=200)),
    ("dob", sa.Date()),
    ("phone", sa.String(length=32)),
    ("customer_since", sa.Date()),
)


def upgrade() -> None:
    # batch mode: SQLite cannot alter a column in place, so Alembic rebuilds the table.
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM customers WHERE name IS NULL OR dob IS NULL")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name, type_ in COLUMNS:
            batch_op.alter_column(name, existing_type=type_, nullable=False)
