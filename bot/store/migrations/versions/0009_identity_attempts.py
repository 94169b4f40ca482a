"""customers' identity checks: throttle rows and per-conversation verification

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_allowed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "key", name="uq_identity_attempt_scope_key"),
    )
    op.create_index(
        "ix_identity_attempts_locked_until", "identity_attempts", ["locked_until"], unique=False
    )
    op.create_table(
        "identity_checks",
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("how", sa.String(length=40), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("otp_hash", sa.String(length=64), nullable=True),
        sa.Column("otp_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("otp_tries_left", sa.Integer(), nullable=False),
        sa.Column("otp_sends", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("sender_id"),
    )
    op.create_index(
        "ix_identity_checks_conversation_id", "identity_checks", ["conversation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_identity_checks_conversation_id", table_name="identity_checks")
    op.drop_table("identity_checks")
    op.drop_index("ix_identity_attempts_locked_until", table_name="identity_attempts")
    op.drop_table("identity_attempts")
