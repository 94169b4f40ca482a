"""Messages the hub itself sends to customers, in Vietnamese and English."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "bot_unavailable": {
        "vi": "Xin lỗi, trợ lý tự động đang gặp sự cố. Mình đã chuyển bạn tới hàng chờ "
        "nhân viên, bạn không cần gửi lại tin nhắn.",
        "en": "Sorry, our assistant is having trouble right now. You are in the queue for a "
        "person; there is no need to send your message again.",
    },
    "bot_failed": {
        "vi": "Xin lỗi, mình chưa xử lý được yêu cầu này ngay lúc này. Bạn có muốn trao đổi "
        "với nhân viên không?",
        "en": "Sorry, I could not handle that just now. Would you like to talk to a person?",
    },
    "bot_could_not_act": {
        "vi": "Xin lỗi, trợ lý tự động vẫn chưa xử lý được yêu cầu của bạn. Mình đã chuyển bạn "
        "tới hàng chờ nhân viên, bạn không cần gửi lại tin nhắn.",
        "en": "Sorry, our assistant still cannot handle your request. You are in the queue for "
        "a person; there is no need to send your message again.",
    },
    "bot_back": {
        "vi": "Trợ lý tự động đã hoạt động trở lại và sẽ trả lời các tin nhắn bạn đã gửi. Nếu "
        'vẫn muốn gặp nhân viên, bạn chỉ cần nhắn "gặp nhân viên".',
        "en": "Our assistant is working again and will answer what you wrote. If you still "
        'want a person, just say "talk to a person".',
    },
    "withdrawn": {
        "vi": "Mình đã huỷ yêu cầu gặp nhân viên. Trợ lý tự động sẽ trả lời tin nhắn tiếp theo "
        'của bạn; khi cần, bạn chỉ cần nhắn "gặp nhân viên".',
        "en": "I've cancelled your request for a person. Our assistant will answer your next "
        'message; write "talk to a person" whenever you need one.',
    },
    "withdraw_kept": {
        "vi": "Trường hợp của bạn cần nhân viên kiểm tra, nên mình vẫn giữ chỗ cho bạn trong "
        "hàng chờ; nhân viên sẽ liên hệ bạn sớm nhất.",
        "en": "Your case needs a person to check it, so I've kept your place in the queue; "
        "someone will be with you as soon as possible.",
    },
    "kept_for_agent": {
        "vi": "Mình đã chuyển tin nhắn của bạn cho nhân viên; nhân viên sẽ đọc ngay khi "
        "tiếp nhận cuộc trò chuyện.",
        "en": "I've passed your message on; the agent will read it as soon as they pick up "
        "the conversation.",
    },
    "person_noted": {
        "vi": "Mình đã ghi nhận. Bạn đang trong hàng chờ gặp nhân viên, bạn không cần gửi lại.",
        "en": "Noted. You are in the queue for a person; there is no need to ask again.",
    },
    "queued": {
        "vi": "Bạn đang ở vị trí {position} trong hàng chờ, thời gian chờ dự kiến khoảng "
        "{minutes} phút. Nhân viên sẽ xem toàn bộ cuộc trò chuyện.",
        "en": "You are number {position} in the queue; the expected wait is about {minutes} "
        "min. The agent will see the whole conversation.",
    },
    "still_waiting": {
        "vi": "Cảm ơn bạn đã chờ. Bạn hiện ở vị trí {position}, còn khoảng {minutes} phút.",
        "en": "Thanks for waiting. You are now number {position}, about {minutes} min to go.",
    },
    "offer_callback": {
        "vi": "Hiện chưa có nhân viên sẵn sàng ngay. Bạn có thể tiếp tục chờ, hoặc để lại "
        "số điện thoại để chúng tôi gọi lại.",
        "en": "No agent is free right now. You can keep waiting, or leave a phone number "
        "and we will call you back.",
    },
    "ask_phone": {
        "vi": "Vui lòng nhập số điện thoại để chúng tôi gọi lại (ví dụ 0909000111).",
        "en": "Please type the phone number we should call (for example 0909000111).",
    },
    "callback_scheduled": {
        "vi": "Đã hẹn gọi lại số {phone} trong khoảng {window} (mã {reference}). Bạn vẫn "
        "giữ chỗ trong hàng chờ.",
        "en": "Call-back booked to {phone} between {window} (reference {reference}). You "
        "keep your place in the queue.",
    },
    "agent_joined": {
        "vi": "{agent} đã tham gia cuộc trò chuyện.",
        "en": "{agent} has joined the conversation.",
    },
    "transferred": {
        "vi": "Mình đang chuyển bạn tới đồng nghiệp phù hợp hơn; họ sẽ thấy toàn bộ nội dung.",
        "en": "I'm transferring you to a colleague who can help; they will see everything.",
    },
    "resolved": {
        "vi": "Cuộc trò chuyện đã kết thúc. Bạn hài lòng thế nào với hỗ trợ hôm nay?",
        "en": "This conversation is closed. How satisfied are you with today's help?",
    },
    "text_only": {
        "vi": "Xin lỗi, hiện mình chỉ đọc được tin nhắn dạng chữ. Bạn vui lòng gõ nội dung "
        "cần hỗ trợ nhé.",
        "en": "Sorry, I can only read text messages for now. Please type what you need help with.",
    },
    "thanks_feedback": {
        "vi": "Cảm ơn bạn đã đánh giá!",
        "en": "Thank you for the feedback!",
    },
    # Intake refused a message (bot/pipeline/throttle.py): it was not received.
    "rate_limited": {
        "vi": "Bạn gửi hơi nhanh, tin nhắn vừa rồi chưa được nhận. Bạn vui lòng chờ khoảng "
        "{seconds} giây rồi gửi lại nhé.",
        "en": "You are sending messages a little fast; the last one was not received. "
        "Please wait about {seconds} seconds and send it again.",
    },
}

CALLBACK_BUTTONS = {
    "vi": [{"title": "Gọi lại cho tôi", "payload": "/request_callback"}],
    "en": [{"title": "Call me back", "payload": "/request_callback"}],
}

PERSON_BUTTONS = {
    "vi": [{"title": "Gặp nhân viên", "payload": "/request_human"}],
    "en": [{"title": "Talk to a person", "payload": "/request_human"}],
}


def text(key: str, language: str, **values: object) -> str:
    entry = TEXTS[key]
    return entry.get(language, entry["vi"]).format(**values)
