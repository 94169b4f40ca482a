"""Bilingual texts the actions build at run time, and the formatting of money and dates.

Static replies live in domain.yml as responses; the texts here carry values (amounts,
dates, references) and are picked by the `language` slot ("vi" default, "en").
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# The hotline comes from the hub's settings (TANDEM_HOTLINE, passed on by `tandem demo`);
# the default is the demo bank's number, as in bot/config/settings.py (this process runs in the
# Rasa environment, which cannot import the application).
HOTLINE = os.environ.get("TANDEM_HOTLINE") or "1900 6868"

TEXTS: dict[str, dict[str, str]] = {
    "did_you_mean": {
        "vi": "Xin lỗi, mình chưa chắc đã hiểu. Có phải bạn muốn:",
        "en": "Sorry, I'm not sure I understood. Did you mean:",
    },
    "button_block_now": {"vi": "Khoá thẻ ngay", "en": "Block my card now"},
    "button_dont_block": {
        "vi": "Không khoá, chỉ gặp nhân viên",
        "en": "Don't block, just connect me",
    },
    "intent_label_report_fraud": {"vi": "Báo giao dịch lạ, gian lận", "en": "Report fraud"},
    "intent_label_report_lost_card": {"vi": "Báo mất thẻ, khoá thẻ", "en": "Lost or stolen card"},
    "intent_label_cancel_card": {"vi": "Huỷ thẻ", "en": "Cancel my card"},
    "intent_label_ask_faq": {"vi": "Hỏi thông tin", "en": "Ask a question"},
    "intent_label_request_callback": {"vi": "Hẹn gọi lại", "en": "Book a call-back"},
    "intent_label_check_callback_status": {
        "vi": "Xem lịch gọi lại",
        "en": "My call-back",
    },
    "intent_label_check_due_date": {"vi": "Hạn thanh toán, dư nợ", "en": "Payment due date"},
    "intent_label_check_application_status": {
        "vi": "Tình trạng hồ sơ",
        "en": "Application status",
    },
    "intent_label_complaint": {"vi": "Phản ánh, khiếu nại", "en": "Make a complaint"},
    "intent_label_refund_status": {"vi": "Tiền hoàn, hoàn tiền", "en": "Refund status"},
    "intent_label_reset_password": {"vi": "Quên mật khẩu", "en": "Reset my password"},
    "intent_label_request_human": {"vi": "Gặp nhân viên", "en": "Talk to a person"},
    "fraud_help_offer": {
        "vi": "Nếu thẻ hoặc tài khoản của bạn đang bị dùng mà bạn không biết, mình có thể "
        "khoá thẻ ngay và chuyển bạn tới bộ phận chống gian lận.",
        "en": "If your card or account is being used without you, I can block the card "
        "right now and put you through to our fraud team.",
    },
    "button_report_fraud": {
        "vi": "Báo gian lận, khoá thẻ",
        "en": "Report fraud, block my card",
    },
    "block_offer_again": {
        "vi": "Bạn có muốn mình khoá thẻ ngay bây giờ không?",
        "en": "Shall I block your card right now?",
    },
    "block_offer_unclear": {
        "vi": "Xin lỗi, mình chưa rõ ý bạn. Bạn có muốn khoá thẻ ngay bây giờ không? "
        'Bạn có thể trả lời "có" hoặc "không".',
        "en": "Sorry, I didn't catch that. Shall I block your card right now? You can "
        'answer "yes" or "no".',
    },
    "form_unclear": {
        "vi": "Xin lỗi, mình chưa nhận được thông tin đó.",
        "en": "Sorry, I didn't get that.",
    },
    "faq_not_sure": {
        "vi": "Mình chưa chắc đã hiểu đúng câu hỏi của bạn.",
        "en": "I'm not sure I understood your question.",
    },
    "faq_suggestions": {
        "vi": "Có phải bạn muốn hỏi một trong những câu sau không?",
        "en": "Did you mean one of these?",
    },
    "faq_rephrase": {
        "vi": "Bạn có thể hỏi lại theo cách khác được không ạ?",
        "en": "Could you ask it another way?",
    },
    "hub_unavailable": {
        "vi": "Xin lỗi, hệ thống của ngân hàng đang tạm thời gián đoạn nên mình chưa tra cứu "
        "được. Bạn có thể gọi hotline {hotline} (24/7) hoặc để mình chuyển tới nhân viên.",
        "en": "Sorry, I can't reach our banking systems right now. You can call our hotline "
        "{hotline} (24/7), or I can connect you with a person.",
    },
    "invalid_card_last4": {
        "vi": "Mình cần đúng 4 chữ số cuối in trên thẻ (ví dụ 6071). Nếu cần hỗ trợ, bạn cứ "
        'nhắn "gặp nhân viên".',
        "en": "I need exactly the last 4 digits printed on the card (for example 6071). "
        'If you need help, just say "talk to an agent".',
    },
    "full_card_number_warning": {
        "vi": "Để an toàn, bạn đừng gửi toàn bộ số thẻ qua chat nhé. Mình chỉ dùng 4 số cuối.",
        "en": "For your safety, please don't send your full card number in chat. "
        "I'll only use the last 4 digits.",
    },
    "invalid_dob": {
        "vi": "Mình chưa đọc được ngày sinh. Bạn nhập giúp theo dạng ngày/tháng/năm, ví dụ "
        '25/12/1990. Nếu cần hỗ trợ, bạn cứ nhắn "gặp nhân viên".',
        "en": "I couldn't read that date of birth. Please use day/month/year, for example "
        '25/12/1990. If you need help, just say "talk to an agent".',
    },
    "detail_noted_phone_needed": {
        "vi": "Cảm ơn bạn, mình đã ghi lại {detail}. Trước hết mình cần số điện thoại bạn đã "
        "đăng ký với ngân hàng để tìm đúng hồ sơ.",
        "en": "Thanks, I've noted {detail}. First I need the phone number registered with the "
        "bank, to find your records.",
    },
    "detail_card_last4": {"vi": "4 số cuối thẻ", "en": "the card's last four digits"},
    "detail_dob": {"vi": "ngày sinh", "en": "your date of birth"},
    "invalid_phone": {
        "vi": "Số điện thoại chưa hợp lệ. Bạn nhập giúp số di động Việt Nam 10 chữ số, ví dụ "
        "0909000111.",
        "en": "That doesn't look like a valid Vietnamese mobile number. Please enter 10 digits, "
        "for example 0909000111.",
    },
    "invalid_time": {
        "vi": 'Bạn cho mình biết khung giờ mong muốn, ví dụ "chiều mai" hoặc "9h sáng thứ hai".',
        "en": 'Please tell me a time that suits you, for example "tomorrow after 3pm".',
    },
    "verify_failed_retry": {
        "vi": "Thông tin chưa khớp với hồ sơ của ngân hàng nên mình chưa xác minh được. Bạn "
        "muốn thử lại hay nói chuyện với nhân viên?",
        "en": "Those details don't match our records, so I couldn't verify you. Would you "
        "like to try again or talk to a person?",
    },
    "verify_failed_ask_again": {
        "vi": "Thông tin chưa khớp với hồ sơ của ngân hàng nên mình chưa xác minh được. Mình "
        'hỏi lại từ đầu nhé (hoặc bạn nhắn "gặp nhân viên").',
        "en": "Those details don't match our records, so I couldn't verify you. Let's go "
        'through them once more (or say "talk to a person").',
    },
    "verify_failed_final": {
        "vi": "Thông tin vẫn chưa khớp nên mình không thể tiếp tục qua chat. Nếu thẻ bị mất, "
        "bạn có thể gọi ngay hotline {hotline} (24/7) để khoá thẻ.",
        "en": "The details still don't match, so I can't go further in chat. If your card is "
        "lost, you can call our hotline {hotline} (24/7) to block it straight away.",
    },
    "identity_locked": {
        "vi": "Đã có quá nhiều lần xác minh không thành công nên mình tạm dừng xác minh qua "
        "chat (bạn có thể thử lại sau khoảng {minutes} phút). Nếu thẻ bị mất, hãy gọi ngay "
        "hotline {hotline} (24/7) hoặc để mình chuyển tới nhân viên.",
        "en": "There have been too many unsuccessful checks, so I have paused verification in "
        "chat (you can try again in about {minutes} min). If your card is lost, call our "
        "hotline {hotline} (24/7) now, or I can connect you with a person.",
    },
    "otp_wrong": {
        "vi": "Mã xác minh chưa đúng. Bạn còn {tries} lần nhập.",
        "en": "That code is not right. You have {tries} more tries.",
    },
    "otp_failed": {
        "vi": "Mình chưa xác minh được mã (sai hoặc đã hết hạn) nên không thể cho xem thông tin "
        "tài khoản qua chat. Bạn có thể gọi hotline {hotline} (24/7) hoặc gặp nhân viên.",
        "en": "I couldn't confirm the code (wrong or expired), so I can't show account details "
        "in chat. You can call our hotline {hotline} (24/7) or talk to a person.",
    },
    "otp_unavailable": {
        "vi": "Để xem số dư, hạn thanh toán hay hồ sơ, mình cần gửi mã xác minh tới số điện "
        "thoại đã đăng ký, nhưng lúc này chưa gửi được. Nhân viên có thể hỗ trợ bạn.",
        "en": "To show balances, due dates or applications I need to text a code to your "
        "registered phone, and I can't send one right now. A person can help you.",
    },
    "invalid_otp": {
        "vi": "Mã xác minh gồm 6 chữ số, trong tin nhắn SMS ngân hàng vừa gửi.",
        "en": "The code is the 6 digits in the text message the bank just sent.",
    },
    "reverify_needed": {
        "vi": "Phiên xác minh đã hết hạn. Bạn vui lòng hỏi lại để mình xác minh lại nhé.",
        "en": "Your verification has expired. Please ask again and I'll verify you once more.",
    },
    "button_try_again": {"vi": "Thử lại", "en": "Try again"},
    "button_human": {"vi": "Gặp nhân viên", "en": "Talk to a person"},
    "button_callback": {"vi": "Đặt lịch gọi lại", "en": "Request a call-back"},
    "card_blocked": {
        "vi": "Thẻ đuôi {last4} đã được khoá (mã tham chiếu {reference}). Các bước tiếp theo:\n"
        "1. Thẻ mới sẽ được gửi tới bạn trong {days} ngày làm việc.\n"
        "2. Bạn hãy kiểm tra các giao dịch gần đây trên Sen Vàng Mobile.\n"
        "3. Nếu thấy giao dịch lạ, hãy báo để ngân hàng tra soát.\n"
        "4. Cần hỗ trợ gấp, gọi hotline {hotline} (24/7).",
        "en": "Your card ending {last4} is now blocked (reference {reference}). Next steps:\n"
        "1. A replacement card will reach you in {days} working days.\n"
        "2. Check your recent transactions in Sen Vàng Mobile.\n"
        "3. If you see anything you don't recognise, tell us and we'll dispute it.\n"
        "4. For urgent help, call our hotline {hotline} (24/7).",
    },
    "fraud_card_blocked": {
        "vi": "Thẻ đuôi {last4} đã được khoá (mã tham chiếu {reference}), không ai dùng được "
        "thẻ này nữa. Mình chuyển bạn ngay tới bộ phận chống gian lận để tra soát các giao "
        "dịch lạ.",
        "en": "Your card ending {last4} is now blocked (reference {reference}), so nobody can "
        "use it. I'm putting you straight through to our fraud team to dispute the "
        "transactions you don't recognise.",
    },
    "fraud_not_verified": {
        "vi": "Mình chưa khoá được thẻ qua chat. Bộ phận chống gian lận sẽ khoá thẻ cùng bạn "
        "ngay; bạn cũng có thể gọi hotline {hotline} (24/7).",
        "en": "I couldn't block the card in chat. Our fraud team will block it with you right "
        "away; you can also call our hotline {hotline} (24/7).",
    },
    "form_resume": {
        "vi": "Giờ mình quay lại việc {task} nhé.",
        "en": "Now, back to {task}.",
    },
    # "what now?" asked in the middle of a form, before it asks its question again.
    "form_doing": {
        "vi": "Mình đang {task} cho bạn, chỉ cần thêm thông tin dưới đây.",
        "en": "I'm {task} for you; I just need the detail below.",
    },
    "task_lost_card_form": {"vi": "khoá thẻ bị mất", "en": "blocking your lost card"},
    "task_fraud_form": {"vi": "khoá thẻ để chặn giao dịch lạ", "en": "blocking your card"},
    "task_account_form": {"vi": "xác minh để tra cứu tài khoản", "en": "checking your account"},
    "task_callback_form": {"vi": "đặt lịch gọi lại", "en": "booking your call-back"},
    "card_found_again": {
        "vi": "Thật tốt là bạn đã tìm lại được thẻ! Mình chưa khoá thẻ nên bạn vẫn dùng bình "
        "thường. Bạn cần mình hỗ trợ gì khác không ạ?",
        "en": "Glad you found your card! I haven't blocked it, so you can keep using it. "
        "Is there anything else I can help with?",
    },
    "card_not_found": {
        "vi": "Mình không tìm thấy thẻ đuôi {last4} trong hồ sơ của bạn. Bạn kiểm tra lại 4 số "
        "cuối, hoặc gọi hotline {hotline} để được khoá thẻ ngay.",
        "en": "I couldn't find a card ending {last4} on your profile. Please check the last 4 "
        "digits, or call our hotline {hotline} to block it straight away.",
    },
    "due_date_line": {
        "vi": "Thẻ {product} đuôi {last4}: hạn thanh toán {due}, dư nợ sao kê {balance}, "
        "thanh toán tối thiểu {minimum}.",
        "en": "{product} ending {last4}: payment due {due}, statement balance {balance}, "
        "minimum payment {minimum}.",
    },
    "no_due_date": {
        "vi": "Bạn chưa có thẻ tín dụng nào có kỳ thanh toán (thẻ ghi nợ không có hạn thanh toán).",
        "en": "You have no credit card with a payment due (debit cards have no due date).",
    },
    "application_line": {
        "vi": "Hồ sơ {product} (nộp ngày {submitted}): {status}.",
        "en": "{product} application (submitted {submitted}): {status}.",
    },
    "no_applications": {
        "vi": "Hiện bạn không có hồ sơ đăng ký nào đang xử lý.",
        "en": "You have no applications in progress.",
    },
    "status_submitted": {"vi": "đã tiếp nhận", "en": "received"},
    "status_under_review": {"vi": "đang được thẩm định", "en": "under review"},
    "status_needs_documents": {
        "vi": "cần bổ sung giấy tờ, bạn vui lòng xem email hoặc liên hệ chi nhánh",
        "en": "we need more documents; please check your email or visit a branch",
    },
    "status_approved": {"vi": "đã được phê duyệt", "en": "approved"},
    "status_declined": {"vi": "chưa được phê duyệt", "en": "not approved"},
    "callback_scheduled": {
        "vi": "Mình đã ghi nhận yêu cầu gọi lại (mã {reference}). Nhân viên sẽ gọi số {phone} "
        "{window}.",
        "en": "Your call-back is booked (reference {reference}). We'll call {phone} {window}.",
    },
    "callback_moved": {
        "vi": "Thời gian bạn chọn nằm ngoài giờ gọi lại của ngân hàng, nên mình xếp lịch vào "
        "khung giờ sớm nhất sau đó.",
        "en": "The time you asked for is outside the hours we make call-backs, so this is the "
        "earliest time after it.",
    },
    "callback_time_noted": {
        "vi": "Mình ghi nhận thời gian gọi lại {window}.",
        "en": "Noted: we'll call {window}.",
    },
    "callback_rescheduled": {
        "vi": "Mình đã đổi lịch gọi lại {reference}: nhân viên sẽ gọi {window}.",
        "en": "I've moved call-back {reference}: we'll call {window}.",
    },
    "callback_window": {
        "vi": "trong khoảng {start} – {end} ngày {day}",
        "en": "between {start} and {end} on {day}",
    },
    "callback_line": {
        "vi": "Yêu cầu {reference} (số {phone}), {window}: {status}.",
        "en": "Call-back {reference} (to {phone}), {window}: {status}.",
    },
    "callback_status_scheduled": {"vi": "đã lên lịch", "en": "scheduled"},
    "callback_status_done": {"vi": "đã gọi xong", "en": "done"},
    "callback_status_missed": {
        "vi": "nhân viên đã gọi nhưng chưa liên lạc được",
        "en": "we called but couldn't reach you",
    },
    "no_callbacks": {
        "vi": "Mình chưa thấy yêu cầu gọi lại nào của bạn. Bạn có muốn đặt lịch gọi lại không?",
        "en": "I can't find any call-back for you. Would you like to request one?",
    },
}


def t(key: str, lang: str, **values: object) -> str:
    """The text for `key` in `lang` (Vietnamese when the language is unknown)."""
    variants = TEXTS[key]
    text = variants.get(lang) or variants["vi"]
    return text.format(hotline=HOTLINE, **values) if ("{" in text) else text


def format_vnd(amount: float | int | None, lang: str) -> str:
    """12450000 -> '12.450.000 ₫' (vi) or 'VND 12,450,000' (en)."""
    if amount is None:
        return "—"
    grouped = f"{round(amount):,}"
    if lang == "en":
        return f"VND {grouped}"
    return f"{grouped.replace(',', '.')} ₫"


def format_date(value: str | None, lang: str) -> str:
    """'2026-12-05' -> '05/12/2026' (vi) or '5 Dec 2026' (en); unknown input is returned as is."""
    if not value:
        return "—"
    try:
        parsed = date.fromisoformat(value[:10])
    except ValueError:
        return value
    if lang == "en":
        return f"{parsed.day} {parsed.strftime('%b %Y')}"
    return parsed.strftime("%d/%m/%Y")


def hub_moment(value: str) -> datetime | None:
    """A timestamp the hub sent, in the bank's local time (None when it is not one)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    # The hub stores UTC; a timestamp without an offset is UTC, never local time.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_TZ)


def format_window(start: str | None, end: str | None, lang: str) -> str:
    """A call-back window in local time, e.g. 'trong khoảng 15:00 – 17:00 ngày 23/11/2026'."""
    begin = hub_moment(start or "")
    finish = hub_moment(end or "")
    if begin is None:
        return ""
    day = format_date(begin.date().isoformat(), lang)
    until = finish.strftime("%H:%M") if finish else "—"
    return t("callback_window", lang, start=begin.strftime("%H:%M"), end=until, day=day)
