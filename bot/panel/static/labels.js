// Labels of the codes the hub sends and the panel shows: hand-off reasons, intents, slots
// and their values, forms, notes the hub writes, products, spend categories, segments,
// channels, languages, knowledge audit actions, alert kinds and how a conversation's
// customer is known (verified_by). This is their one table;
// a screen shows a code with label(kind, code) from i18n.js.
//
// LABELS is plain JSON (quoted keys, no comments, no trailing commas) so that the hub's
// tests can read it and check that every code the hub can send has both labels
// (tests/panel/test_labels.py).

import { addStrings, getLang, t } from "./i18n.js";

export const LABELS = {
  "reason": {
    "customer_request": {"vi": "Khách yêu cầu gặp nhân viên", "en": "Asked for a person"},
    "fallback": {"vi": "Bot không hiểu", "en": "Bot did not understand"},
    "frustration": {"vi": "Khách không hài lòng", "en": "Customer frustrated"},
    "bot_unavailable": {"vi": "Bot gặp sự cố", "en": "Bot unavailable"},
    "bot_could_not_act": {"vi": "Bot không xử lý được", "en": "Bot could not act"},
    "hub_unavailable": {"vi": "Hệ thống tạm thời gián đoạn", "en": "Bank systems unavailable"},
    "fraud": {"vi": "Nghi ngờ gian lận", "en": "Suspected fraud"},
    "lost_card": {"vi": "Mất thẻ, chưa khoá được", "en": "Lost card, not yet blocked"},
    "complaint": {"vi": "Khiếu nại", "en": "Complaint"},
    "callback": {"vi": "Yêu cầu gọi lại", "en": "Call-back request"},
    "churn_risk": {"vi": "Muốn huỷ thẻ / đóng tài khoản", "en": "Wants to cancel / close"},
    "form_abandoned": {"vi": "Bỏ dở thao tác", "en": "Left a form unfinished"},
    "verification_failed": {"vi": "Xác minh không thành công", "en": "Verification failed"},
    "verification_locked": {"vi": "Bị khoá xác minh do sai nhiều lần", "en": "Verification locked after failures"}
  },
  "form": {
    "lost_card_form": {"vi": "Khoá thẻ bị mất", "en": "Block a lost card"},
    "account_form": {"vi": "Tra cứu tài khoản", "en": "Account look-up"},
    "callback_form": {"vi": "Đặt lịch gọi lại", "en": "Call-back booking"},
    "fraud_form": {"vi": "Khoá thẻ do gian lận", "en": "Block a card (fraud)"}
  },
  "intent": {
    "greet": {"vi": "Chào hỏi", "en": "Greeting"},
    "goodbye": {"vi": "Tạm biệt", "en": "Goodbye"},
    "thank": {"vi": "Cảm ơn", "en": "Thanks"},
    "challenge_bot": {"vi": "Hỏi có phải người thật", "en": "Asks if it is a bot"},
    "affirm": {"vi": "Đồng ý", "en": "Yes"},
    "deny": {"vi": "Từ chối", "en": "No"},
    "inform": {"vi": "Cung cấp thông tin", "en": "Gives details"},
    "ask_faq": {"vi": "Hỏi thông tin chung", "en": "General question"},
    "report_lost_card": {"vi": "Báo mất thẻ", "en": "Lost card"},
    "check_due_date": {"vi": "Hỏi hạn thanh toán", "en": "Payment due date"},
    "check_application_status": {"vi": "Hỏi tình trạng hồ sơ", "en": "Application status"},
    "request_human": {"vi": "Muốn gặp nhân viên", "en": "Asks for a person"},
    "request_callback": {"vi": "Yêu cầu gọi lại", "en": "Asks for a call-back"},
    "check_callback_status": {"vi": "Hỏi lịch gọi lại", "en": "Call-back status"},
    "report_fraud": {"vi": "Báo gian lận", "en": "Reports fraud"},
    "cancel_card": {"vi": "Muốn huỷ thẻ", "en": "Wants to cancel a card"},
    "refund_status": {"vi": "Hỏi hoàn tiền", "en": "Refund status"},
    "reset_password": {"vi": "Đặt lại mật khẩu", "en": "Password reset"},
    "complaint": {"vi": "Khiếu nại", "en": "Complaint"},
    "express_frustration": {"vi": "Bày tỏ bực bội", "en": "Frustrated"},
    "out_of_scope": {"vi": "Ngoài phạm vi", "en": "Out of scope"},
    "nlu_fallback": {"vi": "Bot không hiểu", "en": "Not understood"}
  },
  "slot": {
    "language": {"vi": "Ngôn ngữ", "en": "Language"},
    "customer_id": {"vi": "Mã khách hàng", "en": "Customer id"},
    "account_query": {"vi": "Nội dung tra cứu", "en": "Look-up"},
    "card_last4": {"vi": "4 số cuối thẻ", "en": "Card's last 4 digits"},
    "dob": {"vi": "Ngày sinh", "en": "Date of birth"},
    "phone": {"vi": "Số điện thoại", "en": "Phone"},
    "preferred_time": {"vi": "Thời gian muốn được gọi", "en": "Preferred time"},
    "hotline": {"vi": "Tổng đài", "en": "Hotline"},
    "block_offered": {"vi": "Đã đề nghị khoá thẻ", "en": "Block offered"},
    "human_offered": {"vi": "Đã đề nghị gặp nhân viên", "en": "Person offered"},
    "offer_reason": {"vi": "Lý do đề nghị", "en": "Why a person was offered"},
    "verify_failures": {"vi": "Số lần xác minh sai", "en": "Failed verifications"},
    "faq_miss": {"vi": "Câu hỏi chưa trả lời được", "en": "Unanswered question"},
    "invalid_answers": {"vi": "Số câu trả lời không hợp lệ", "en": "Invalid answers in a row"},
    "kb_answered": {"vi": "Trả lời từ kho tri thức", "en": "Answered from the knowledge base"},
    "card_blocked": {"vi": "Đã khoá thẻ", "en": "Card blocked"},
    "block_reference": {"vi": "Mã khoá thẻ", "en": "Block reference"},
    "otp_code": {"vi": "Mã OTP", "en": "One-time code"},
    "identity_status": {"vi": "Bước xác minh", "en": "Identity check"},
    "identity_customer": {"vi": "Khách hàng theo thẻ", "en": "Customer named by the card"}
  },
  "value": {
    "true": {"vi": "Có", "en": "Yes"},
    "false": {"vi": "Không", "en": "No"},
    "due_date": {"vi": "Hạn thanh toán", "en": "Payment due date"},
    "application_status": {"vi": "Tình trạng hồ sơ", "en": "Application status"},
    "card_dob": {"vi": "Thẻ và ngày sinh đúng, đã gửi mã", "en": "Card and birth date right, code sent"},
    "otp": {"vi": "Đã xác minh bằng mã OTP", "en": "Verified with a one-time code"},
    "passed": {"vi": "Đạt", "en": "Passed"},
    "refused": {"vi": "Không đạt", "en": "Refused"},
    "failed": {"vi": "Không thành công", "en": "Failed"},
    "locked": {"vi": "Bị khoá do sai nhiều lần", "en": "Locked after failures"},
    "no_otp": {"vi": "Không gửi được mã", "en": "No code could be sent"}
  },
  "note": {
    "ack_timeout": {
      "vi": "{agent} không xác nhận trong {seconds} giây; đã đưa lại vào hàng chờ.",
      "en": "Not acknowledged by {agent} within {seconds} s; requeued."
    },
    "declined": {
      "vi": "{agent} đã từ chối; đã đưa lại vào hàng chờ.",
      "en": "Declined by {agent}; requeued."
    },
    "away_return": {
      "vi": "{agent} vắng mặt; cuộc trò chuyện trở lại hàng chờ ở vị trí cũ.",
      "en": "{agent} went away; back in the queue at its original place."
    }
  },
  "product": {
    "credit_card_classic": {"vi": "Thẻ tín dụng Classic", "en": "Classic credit card"},
    "credit_card_dining": {"vi": "Thẻ tín dụng Ẩm thực", "en": "Dining credit card"},
    "credit_card_platinum": {"vi": "Thẻ tín dụng Platinum", "en": "Platinum credit card"},
    "credit_card_travel": {"vi": "Thẻ tín dụng Du lịch", "en": "Travel credit card"},
    "credit_card_signature": {"vi": "Thẻ tín dụng Signature", "en": "Signature credit card"},
    "debit_card": {"vi": "Thẻ ghi nợ", "en": "Debit card"},
    "current_account": {"vi": "Tài khoản thanh toán", "en": "Current account"},
    "savings_account": {"vi": "Tài khoản tiết kiệm", "en": "Savings account"},
    "personal_loan": {"vi": "Vay tiêu dùng", "en": "Personal loan"},
    "travel_insurance": {"vi": "Bảo hiểm du lịch", "en": "Travel insurance"}
  },
  "spend": {
    "retail": {"vi": "Mua sắm", "en": "Retail"},
    "groceries": {"vi": "Siêu thị, thực phẩm", "en": "Groceries"},
    "travel": {"vi": "Du lịch", "en": "Travel"},
    "dining": {"vi": "Ăn uống", "en": "Dining"},
    "utilities": {"vi": "Điện, nước, hoá đơn", "en": "Utilities"},
    "electronics": {"vi": "Điện tử", "en": "Electronics"}
  },
  "segment": {
    "mass": {"vi": "Phổ thông", "en": "Mass"},
    "young_professional": {"vi": "Người trẻ đi làm", "en": "Young professional"},
    "affluent": {"vi": "Khách hàng ưu tiên", "en": "Affluent"}
  },
  "channel": {
    "web": {"vi": "Trang web", "en": "Website"},
    "telegram": {"vi": "Telegram", "en": "Telegram"},
    "zalo": {"vi": "Zalo", "en": "Zalo"},
    "messenger": {"vi": "Messenger", "en": "Messenger"},
    "api": {"vi": "API", "en": "API"}
  },
  "lang": {
    "vi": {"vi": "Tiếng Việt", "en": "Vietnamese"},
    "en": {"vi": "Tiếng Anh", "en": "English"}
  },
  "audit": {
    "draft_created": {"vi": "Tạo bản nháp", "en": "Draft created"},
    "draft_edited": {"vi": "Sửa bản nháp", "en": "Draft edited"},
    "submitted": {"vi": "Gửi duyệt", "en": "Submitted for review"},
    "approved": {"vi": "Phê duyệt", "en": "Approved"},
    "rejected": {"vi": "Từ chối", "en": "Rejected"},
    "withdrawn": {"vi": "Rút lại", "en": "Withdrawn"},
    "published": {"vi": "Xuất bản bản nháp", "en": "Draft published"},
    "publish": {"vi": "Xuất bản", "en": "Published"},
    "delete": {"vi": "Xóa", "en": "Deleted"},
    "rollback": {"vi": "Khôi phục mục", "en": "Entry restored"},
    "corpus_rollback": {"vi": "Khôi phục toàn bộ kho", "en": "Corpus rolled back"},
    "expire": {"vi": "Hết hiệu lực", "en": "Expired"},
    "reload": {"vi": "Sửa tệp", "en": "File edit"},
    "imported": {"vi": "Nhập hàng loạt", "en": "Bulk import"},
    "exported": {"vi": "Xuất kho", "en": "Export"},
    "gap_drafted": {"vi": "Tạo bản nháp từ câu hỏi chưa trả lời", "en": "Draft from a knowledge gap"},
    "gap_closed": {"vi": "Đóng nhóm câu hỏi chưa trả lời", "en": "Knowledge gap closed"}
  },
  "version": {
    "build": {"vi": "Xây dựng chỉ mục", "en": "Index built"},
    "reload": {"vi": "Cập nhật từ tệp", "en": "Files reloaded"},
    "upsert": {"vi": "Thêm / sửa", "en": "Added / edited"},
    "delete": {"vi": "Xóa", "en": "Deleted"}
  },
  "alert": {
    "brute_force": {"vi": "Dò mật khẩu", "en": "Password guessing"},
    "transfer_cap": {"vi": "Chuyển quá nhiều lần", "en": "Too many transfers"},
    "callback_overdue": {"vi": "Gọi lại quá hạn", "en": "Call-back overdue"},
    "callback_reminder": {"vi": "Nhắc gọi lại", "en": "Call-back reminder"},
    "identity_lockout": {"vi": "Khoá xác minh danh tính", "en": "Identity checks locked"},
    "identity_unlock": {"vi": "Mở khoá xác minh danh tính", "en": "Identity checks unlocked"},
    "service_level": {"vi": "Chờ quá mục tiêu phục vụ", "en": "Service level breached"}
  },
  "verified_by": {
    "signed": {"vi": "Khách đã đăng nhập", "en": "Signed in on the bank's site"},
    "otp": {"vi": "Đã xác minh bằng thẻ + ngày sinh + mã OTP", "en": "Verified by card, date of birth and one-time code"},
    "card_dob": {"vi": "Đã xác minh bằng thẻ + ngày sinh", "en": "Verified by card digits and date of birth"},
    "agent": {"vi": "Nhân viên liên kết", "en": "Linked by an agent"}
  }
};

// As interface strings: label("reason", "fraud") reads reason_fraud in the panel's language.
const strings = { vi: {}, en: {} };
for (const [kind, codes] of Object.entries(LABELS)) {
  for (const [code, text] of Object.entries(codes)) {
    strings.vi[`${kind}_${code}`] = text.vi;
    strings.en[`${kind}_${code}`] = text.en;
  }
}
addStrings(strings);

/** The label of a code, or "" when it has none (the caller then shows the code). */
export function known(kind, code) {
  const entry = LABELS[kind] && LABELS[kind][String(code)];
  return entry ? entry[getLang()] || entry.en : "";
}

/** A slot's value as an agent reads it: yes/no, a language, a look-up; otherwise as given. */
export function slotValue(key, value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  const text = String(value);
  if (key === "language") return known("lang", text) || text;
  if (key === "offer_reason") return known("reason", text) || text;
  return known("value", text) || text;
}

/** A note the hub stored as {code, ...parameters}, or a person's note as they wrote it. */
export function noteText(note) {
  if (note && typeof note === "object" && note.code) {
    return known("note", note.code) ? t(`note_${note.code}`, note) : String(note.code);
  }
  return String(note ?? "");
}
