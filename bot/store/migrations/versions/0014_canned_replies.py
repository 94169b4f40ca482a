"""agent copilot replies: canned replies with variables, smart-reply candidates, and the
hub's own record of pushed suggestions told apart from what an agent was shown

Revision ID: 0014
Revises: 0013
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# Demo replies the workspace starts with; knowledge managers edit them. Kept literal: a
# migration must not import app code. (shortcut, title vi, title en, text vi, text en)
SEED_REPLIES = [
    (
        "greet",
        "Chào khách",
        "Greeting",
        "Chào {{customer.name}}, em là {{agent.name}} ở ngân hàng. Em có thể giúp gì ạ?",
        "Hello {{customer.name}}, this is {{agent.name}} from the bank. How can I help?",
    ),
    (
        "card-blocked",
        "Xác nhận đã khóa thẻ",
        "Card blocked",
        "Thẻ đuôi {{card.last4}} của {{customer.name}} đã được khóa. Thẻ thay thế sẽ gửi "
        "về địa chỉ đã đăng ký trong 5-7 ngày làm việc.",
        "Your card ending {{card.last4}} is now blocked, {{customer.name}}. A replacement "
        "goes to your registered address within 5-7 working days.",
    ),
    (
        "callback",
        "Xác nhận gọi lại",
        "Call-back confirmed",
        "Em đã hẹn gọi lại cho {{customer.name}} vào {{callback.window}}. Nhân viên sẽ gọi "
        "từ tổng đài của ngân hàng.",
        "We will call you back {{callback.window}}, {{customer.name}}. The call comes from "
        "the bank's hotline.",
    ),
    (
        "due-date",
        "Hạn thanh toán thẻ",
        "Card payment due",
        "Thẻ đuôi {{card.last4}} có hạn thanh toán ngày {{card.due_date}}.",
        "The payment on your card ending {{card.last4}} is due on {{card.due_date}}.",
    ),
    (
        "verify",
        "Đề nghị xác minh",
        "Ask to verify",
        "Để bảo mật, {{customer.name}} vui lòng cho em 4 số cuối của thẻ và ngày sinh ạ.",
        "For your security, {{customer.name}}, please give me the last 4 digits of your "
        "card and your date of birth.",
    ),
    (
        "wait",
        "Xin chờ",
        "Please wait",
        "{{customer.name}} vui lòng chờ em kiểm tra trong ít phút ạ.",
        "Please bear with me a few minutes while I check, {{customer.name}}.",
    ),
    (
        "ticket",
        "Số hồ sơ",
        "Case number",
        "Hồ sơ của anh/chị là số {{conversation.id}}. Anh/chị có thể nhắn lại số này "
        "khi cần hỏi tiếp.",
        "Your case number is {{conversation.id}}. Quote it if you write again.",
    ),
    (
        "bye",
        "Kết thúc",
        "Closing",
        "Cảm ơn {{customer.name}} đã liên hệ. Chúc anh/chị một ngày tốt lành!",
        "Thank you for contacting us, {{customer.name}}. Have a good day!",
    ),
]


def upgrade() -> None:
    canned = op.create_table(
        "canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shortcut", sa.String(length=40), nullable=False),
        sa.Column("title_vi", sa.String(length=120), nullable=False),
        sa.Column("title_en", sa.String(length=120), nullable=False),
        sa.Column("text_vi", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("shortcut"),
    )
    now = datetime.now(timezone.utc)
    op.bulk_insert(
        canned,
        [
            {
                "shortcut": shortcut,
                "title_vi": title_vi,
                "title_en": title_en,
                "text_vi": text_vi,
                "text_en": text_en,
                "active": True,
                "updated_by": None,
                "created_at": now,
                "updated_at": now,
            }
            for shortcut, title_vi, title_en, text_vi, text_en in SEED_REPLIES
        ],
    )
    op.create_table(
        "smart_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("customer_text", sa.Text(), nullable=False),
        sa.Column("reply_text", sa.String(length=400), nullable=False),
        sa.Column("support", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("source_conversation_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_conversation_id"], ["conversations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_smart_replies_reply_text", "smart_replies", ["reply_text"])
    op.create_index("ix_smart_replies_status", "smart_replies", ["status"])
    # Until now the hub wrote "shown" rows, without an agent, whenever it pushed suggestions,
    # whether or not anyone looked: per agent nothing was ever shown. Those rows are what the
    # hub pushed; "shown" is now written by the panel, per agent, when it displays them.
    op.execute(
        "UPDATE suggestion_events SET event = 'pushed' WHERE event = 'shown' AND agent_id IS NULL"
    )


def downgrade() -> None:
    op.execute("UPDATE suggestion_events SET event = 'shown' WHERE event = 'pushed'")
    op.drop_index("ix_smart_replies_status", table_name="smart_replies")
    op.drop_index("ix_smart_replies_reply_text", table_name="smart_replies")
    op.drop_table("smart_replies")
    op.drop_table("canned_replies")
