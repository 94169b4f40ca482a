// The reply window of a Zalo or Messenger conversation, above the reply box: how long the
// platform still takes replies, how many free ones are left, and, when it is closing or
// closed, what to do instead (a call-back, another channel). The hub computes it
// (GET /api/conversations/{id}/window); a reply it would refuse is refused with the reason.

import { get } from "./api.js";
import { fill, h } from "./dom.js";
import { getLang } from "./i18n.js";

const CHANNELS = ["zalo", "messenger"];
const REFRESH_MS = 60_000;

const STRINGS = {
  vi: {
    title: "Cửa sổ trả lời {platform}",
    left: "còn {time}",
    free: "{count} tin miễn phí",
    tag: "chỉ nhân viên trả lời (HUMAN_AGENT), còn {time}",
    closing: "Sắp đóng: hãy đề nghị gọi lại hoặc chuyển sang kênh khác.",
    closed: "Đã đóng",
    hours: "{h} giờ {m} phút",
    minutes: "{m} phút",
    refused: "Tin nhắn #{id} không gửi được: {reason}",
  },
  en: {
    title: "{platform} reply window",
    left: "{time} left",
    free: "{count} free replies",
    tag: "a person only (HUMAN_AGENT), {time} left",
    closing: "Closing: offer a call-back or another channel.",
    closed: "Closed",
    hours: "{h} h {m} min",
    minutes: "{m} min",
    refused: "Message #{id} was not delivered: {reason}",
  },
};
const PLATFORMS = { zalo: "Zalo", messenger: "Messenger" };

function s(key, vars = {}) {
  const table = STRINGS[getLang()] || STRINGS.vi;
  return table[key].replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

function duration(seconds) {
  const total = Math.max(0, Math.floor(seconds / 60));
  const hours = Math.floor(total / 60);
  return hours ? s("hours", { h: hours, m: total % 60 }) : s("minutes", { m: total });
}

function lineOf(w) {
  const parts = [];
  if (w.seconds_left > 0) parts.push(s("left", { time: duration(w.seconds_left) }));
  else if (w.agent_tag_needed && w.agent_seconds_left > 0) parts.push(s("tag", { time: duration(w.agent_seconds_left) }));
  if (w.free_replies_left !== null && w.free_replies_left !== undefined) parts.push(s("free", { count: w.free_replies_left }));
  return parts.join(" · ");
}

/** Show (or hide) the window of the open conversation; safe to call at any time. */
export async function showWindow(app) {
  const node = document.getElementById("channel-window");
  const current = app.state.current;
  if (!node || !current) return;
  const conv = current.conversation;
  if (!CHANNELS.includes(conv.channel)) {
    node.hidden = true;
    return;
  }
  let w;
  try {
    w = await get(`/api/conversations/${conv.id}/window`);
  } catch {
    return; // the next refresh tries again
  }
  if (!app.state.current || app.state.current.id !== conv.id || !w.applies) return;
  const state = !w.can_reply ? "closed" : w.closing ? "closing" : "open";
  node.hidden = false;
  node.className = `channel-window window-${state}`;
  node.dataset.state = state;
  const explanation = w.explanation ? w.explanation[getLang()] || w.explanation.vi : null;
  fill(node,
    h("strong", {}, s("title", { platform: PLATFORMS[conv.channel] || conv.channel }), ": "),
    h("span", { class: "window-line" }, state === "closed" ? s("closed") : lineOf(w)),
    state === "closing" ? h("span", { class: "window-advice" }, s("closing")) : null,
    explanation ? h("span", { class: "window-advice" }, explanation) : null);
}

let timer = null;

/** Keep the window current while the panel is open (time passes, replies are counted). */
export function watchWindow(app) {
  showWindow(app);
  if (timer === null) timer = setInterval(() => showWindow(app), REFRESH_MS);
}

/** A stored reply the platform did not take: tell the agent why. */
export function refusedText(event) {
  const reason = (event.explanation || {})[getLang()] || (event.explanation || {}).vi || event.code;
  return s("refused", { id: event.message_id, reason });
}
