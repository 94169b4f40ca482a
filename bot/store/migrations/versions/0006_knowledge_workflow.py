"""knowledge workflow: drafts, revisions, audit, gap inbox, answers, stored corpus

Revision ID: 0006
Revises: 0007
Create Date: 2026-11-28 07:48:18.042935
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "knowledge_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=80), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("lang", sa.String(length=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("knowledge_answers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_answers_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_knowledge_answers_entry_id"), ["entry_id"], unique=False
        )

    op.create_table(
        "knowledge_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("entry_id", sa.String(length=80), nullable=True),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("knowledge_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_knowledge_audit_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "knowledge_entries",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "knowledge_gap_clusters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("centroid", sa.JSON(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("knowledge_gap_clusters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_gap_clusters_status"), ["status"], unique=False
        )

    op.create_table(
        "knowledge_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=80), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("knowledge_revisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_revisions_entry_id"), ["entry_id"], unique=False
        )

    op.create_table(
        "knowledge_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("reviewer", sa.String(length=64), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("knowledge_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_drafts_entry_id"), ["entry_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_knowledge_drafts_status"), ["status"], unique=False)

    op.create_table(
        "knowledge_gap_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=True),
        sa.Column("conversation_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("top_entry_id", sa.String(length=80), nullable=True),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["knowledge_gap_clusters.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("knowledge_gap_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_knowledge_gap_items_cluster_id"), ["cluster_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_knowledge_gap_items_source"), ["source"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_knowledge_gap_items_source_id"), ["source_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("knowledge_gap_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_gap_items_source_id"))
        batch_op.drop_index(batch_op.f("ix_knowledge_gap_items_source"))
        batch_op.drop_index(batch_op.f("ix_knowledge_gap_items_cluster_id"))

    op.drop_table("knowledge_gap_items")
    with op.batch_alter_table("knowledge_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_drafts_status"))
        batch_op.drop_index(batch_op.f("ix_knowledge_drafts_entry_id"))

    op.drop_table("knowledge_drafts")
    with op.batch_alter_table("knowledge_revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_revisions_entry_id"))

    op.drop_table("knowledge_revisions")
    with op.batch_alter_table("knowledge_gap_clusters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_gap_clusters_status"))

    op.drop_table("knowledge_gap_clusters")
    op.drop_table("knowledge_entries")
    with op.batch_alter_table("knowledge_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_audit_entry_id"))

    op.drop_table("knowledge_audit")
    with op.batch_alter_table("knowledge_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_knowledge_answers_entry_id"))
        batch_op.drop_index(batch_op.f("ix_knowledge_answers_conversation_id"))

    op.drop_table("knowledge_answers")
