// The hand-off summary at the top of a conversation (bot/copilot/summary.py): the problem,
// what the bot did, what the customer wants now and open promises. The lines come from the
// hub already worded in the conversation's language; each one is a quote from a turn, an
// event or a call-back, and clicking it scrolls the transcript to that turn.

import { get } from "./api.js";
import { fill, h } from "./dom.js";
import { addStrings, t } from "./i18n.js";

addStrings({
  vi: {
    summary_title: "Tóm tắt bàn giao",
    summary_stage_handoff: "khi chuyển tới nhân viên",
    summary_stage_transfer: "khi chuyển tiếp",
    summary_part_problem: "Vấn đề",
    summary_part_bot_did: "Bot đã làm",
    summary_part_wants_now: "Khách cần bây giờ",
    summary_part_promises: "Hứa hẹn còn mở",
    summary_goto: "Xem lượt này trong hội thoại",
    summary_none: "Chưa có tóm tắt.",
  },
  en: {
    summary_title: "Hand-off summary",
    summary_stage_handoff: "at hand-off",
    summary_stage_transfer: "at transfer",
    summary_part_problem: "Problem",
    summary_part_bot_did: "What the bot did",
    summary_part_wants_now: "What the customer wants now",
    summary_part_promises: "Open promises",
    summary_goto: "Show this turn in the conversation",
    summary_none: "No summary yet.",
  },
});

const PARTS = ["problem", "bot_did", "wants_now", "promises"];

/** Scroll the transcript to a message and flash it. */
function goTo(turn) {
  const node = document.querySelector(`#transcript [data-id="${Number(turn)}"]`);
  if (!node) return;
  node.scrollIntoView({ block: "center", behavior: "smooth" });
  node.classList.add("msg-flash");
  setTimeout(() => node.classList.remove("msg-flash"), 1600);
}

function lineNode(line) {
  const content = [h("span", { class: "sum-label" }, `${line.label}: `), h("q", { class: "sum-quote" }, line.shown || line.quote)];
  if (line.turn == null) return h("li", { class: "sum-line", dataset: { source: line.source } }, content);
  return h("li", { class: "sum-line", dataset: { source: line.source, turn: line.turn } },
    h("button", { type: "button", class: "sum-go", title: t("summary_goto"), onclick: () => goTo(line.turn) }, content));
}

export function summaryCard(summary) {
  const lines = (summary && summary.lines) || [];
  if (!lines.length) return null;
  const stage = summary.stage ? ` · ${t(`summary_stage_${summary.stage}`)}` : "";
  return h("section", { class: "summary-card", id: "summary-card", "aria-label": t("summary_title"), dataset: { stage: summary.stage || "" } },
    h("h3", {}, t("summary_title"), h("span", { class: "muted" }, stage)),
    PARTS.filter((part) => lines.some((l) => l.part === part)).map((part) =>
      h("div", { class: "sum-part", dataset: { part } },
        h("h4", {}, t(`summary_part_${part}`)),
        h("ul", {}, lines.filter((l) => l.part === part).map(lineNode)))));
}

function show(app, summary) {
  const slot = document.getElementById("copilot-summary");
  if (!slot || !app.state.current || app.state.current.id !== summary.conversation_id) return;
  app.state.current.summary = summary;
  const card = summaryCard(summary);
  if (card) fill(slot, card);
  else fill(slot);
}

/** Fill the summary slot of the open conversation from the hub. */
export async function mountSummary(app) {
  const current = app.state.current;
  if (!current) return;
  if (current.summary) show(app, current.summary);
  try {
    show(app, await get(`/api/conversations/${current.id}/summary`));
  } catch (err) {
    // The conversation still works without its summary; the next push brings it.
  }
}

/** A pushed summary (hand-off or transfer): show it if its conversation is open. */
export function applySummary(app, frame) {
  if (app.state.current && app.state.current.id === frame.conversation_id) show(app, frame);
}
