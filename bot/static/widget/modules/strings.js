/*
 * Owns the widget's own texts in Vietnamese and English, and t(), which reads one in the
 * visitor's current language. Texts from the hub (bot and agent messages) are not here.
 */

import { state } from "./state.js";

const TEXT = {
  vi: {
    title: "Hỗ trợ Sen Vàng",
    open: "Mở cửa sổ trò chuyện",
    close: "Thu nhỏ cửa sổ trò chuyện",
    placeholder: "Nhập tin nhắn…",
    inputLabel: "Tin nhắn của bạn",
    send: "Gửi",
    human: "Gặp nhân viên",
    bot: "Trợ lý Sen Vàng",
    agent: "Nhân viên",
    you: "Bạn",
    log: "Tin nhắn trò chuyện",
    online: "Trực tuyến",
    connecting: "Đang kết nối…",
    offline: "Mất kết nối. Tin nhắn sẽ tự gửi khi có mạng.",
    fallback: "Đã kết nối (chế độ dự phòng)",
    reconnecting: "Đang kết nối lại…",
    pending: "Đang gửi…",
    failed: "Không gửi được",
    tooLong: "Tin nhắn quá dài (tối đa {n} ký tự).",
    rateLimited: "Bạn gửi hơi nhanh, tin nhắn này chưa được nhận. Vui lòng chờ khoảng {s} giây rồi gửi lại.",
    empty: "Tin nhắn trống.",
    notText: "Chỉ gửi được tin nhắn dạng chữ.",
    typing: "Đang soạn tin…",
    welcome:
      "Xin chào! Mình là trợ lý ảo của Ngân hàng Sen Vàng. Bạn cần hỗ trợ về thẻ, tài khoản hay khoản vay ạ?",
    signedIn: "Đã xác thực danh tính",
    lang: "EN",
    langLabel: "Switch to English",
  },
  en: {
    title: "Golden Lotus support",
    open: "Open the chat window",
    close: "Minimise the chat window",
    placeholder: "Type a message…",
    inputLabel: "Your message",
    send: "Send",
    human: "Talk to a person",
    bot: "Golden Lotus assistant",
    agent: "Adviser",
    you: "You",
    log: "Chat messages",
    online: "Online",
    connecting: "Connecting…",
    offline: "Offline. Your messages will be sent when you are back online.",
    fallback: "Connected (backup mode)",
    reconnecting: "Reconnecting…",
    pending: "Sending…",
    failed: "Not sent",
    tooLong: "The message is too long (max {n} characters).",
    rateLimited: "You are sending a little fast; this message was not received. Please wait about {s} seconds and send it again.",
    empty: "The message is empty.",
    notText: "Only text messages can be sent.",
    typing: "Typing…",
    welcome:
      "Hello! I'm the Golden Lotus Bank virtual assistant. How can I help with your cards, accounts or loans?",
    signedIn: "Identity verified",
    lang: "VI",
    langLabel: "Chuyển sang tiếng Việt",
  },
};

export function t(key) {
  return TEXT[state.lang][key];
}
