"""an index on when a conversation ended: the wait forecast reads the most recently
ended conversations' handling times by it

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # An index is created in place on both engines (no table rebuild on SQLite). Without it
    # the forecast's read (the last 200 by resolved_at) sorts every ended conversation.
    op.create_index("ix_conversations_resolved_at", "conversations", ["resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_resolved_at", table_name="conversations")
