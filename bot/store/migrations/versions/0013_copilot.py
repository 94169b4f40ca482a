"""agent copilot: the wrap-up codes supervisors edit, each agent's recorded wrap-up choice
(the suggested top three and the code chosen) and the hand-off summary of a conversation

Revision ID: 0013
Revises: 0012
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The resolution codes the resolve dialog offered before the list became editable, so old
# resolutions keep a described code. Kept literal: a migration must not import app code.
SEED_CODES = [
    ("answered", "Đã trả lời", "Answered"),
    ("card_blocked", "Đã khóa thẻ", "Card blocked"),
    ("dispute_opened", "Đã mở khiếu nại giao dịch", "Dispute opened"),
    ("complaint", "Khiếu nại", "Complaint"),
    ("callback_scheduled", "Đã hẹn gọi lại", "Call-back scheduled"),
    ("referred_branch", "Chuyển chi nhánh", "Referred to branch"),
    ("sale_made", "Bán chéo thành công", "Cross-sell made"),
    ("no_response", "Khách không phản hồi", "Customer did not respond"),
    ("other", "Khác", "Other"),
]


def upgrade() -> None:
    codes = op.create_table(
        "wrapup_codes",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("description_vi", sa.String(length=200), nullable=False),
        sa.Column("description_en", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    now = datetime.now(timezone.utc)
    op.bulk_insert(
        codes,
        [
            {
                "code": code,
                "description_vi": vi,
                "description_en": en,
                "active": True,
                "position": i,
                "updated_by": None,
                "updated_at": now,
            }
            for i, (code, vi, en) in enumerate(SEED_CODES)
        ],
    )
    op.create_table(
        "wrapup_choices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("suggested", sa.JSON(), nullable=False),
        sa.Column("chosen", sa.String(length=40), nullable=False),
        # The conversation's features at the time, so the counting model can be rebuilt
        # from this table alone (bot.copilot.wrapup).
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.ForeignKeyConstraint(["agent_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_wrapup_choices_conversation_id", "wrapup_choices", ["conversation_id"])
    op.create_table(
        "conversation_summaries",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=False),  # handoff | transfer
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.PrimaryKeyConstraint("conversation_id"),
    )


def downgrade() -> None:
    op.drop_table("conversation_summaries")
    op.drop_index("ix_wrapup_choices_conversation_id", table_name="wrapup_choices")
    op.drop_table("wrapup_choices")
    op.drop_table("wrapup_codes")
