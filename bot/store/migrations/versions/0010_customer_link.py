"""how a conversation's customer is known: signed, otp, card_dob or agent (with who and why)

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns are added in place on both engines (no table rebuild on SQLite).
    op.add_column("conversations", sa.Column("customer_verified_by", sa.String(12)))
    op.add_column("conversations", sa.Column("customer_linked_by", sa.String(64)))
    op.add_column("conversations", sa.Column("customer_link_reason", sa.String(300)))
    op.add_column("conversations", sa.Column("customer_name", sa.String(200)))
    # Before this revision a conversation got a customer only from a site's signature or an
    # agent's link (audited as "customer_linked"), so existing rows can be labelled exactly.
    op.execute(
        """
        UPDATE conversations SET customer_verified_by = CASE
            WHEN EXISTS (
                SELECT 1 FROM conversation_events e
                WHERE e.conversation_id = conversations.id AND e.kind = 'customer_linked'
            ) THEN 'agent' ELSE 'signed' END,
            customer_name = (SELECT c.name FROM customers c WHERE c.id = conversations.customer_id)
        WHERE customer_id IS NOT NULL
        """
    )


def downgrade() -> None:
    # batch mode: SQLite cannot drop a column in place, so Alembic rebuilds the table.
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("customer_name")
        batch.drop_column("customer_link_reason")
        batch.drop_column("customer_linked_by")
        batch.drop_column("customer_verified_by")
