// The centre column: conversation header and actions, the pinned context packet, the full
// transcript (bot turns included) and the reply box.

import { showWindow, watchWindow } from "./channel_window.js";
import { fill, h } from "./dom.js";
import { channelIcon, flag } from "./icons.js";
import { label, locale, t } from "./i18n.js";
import { noteText, slotValue } from "./labels.js";
import { mountSummary } from "./summary.js";

function timeOf(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return date.toLocaleTimeString(locale(), { hour: "2-digit", minute: "2-digit" });
}

function senderName(msg) {
  if (msg.sender === "agent") return msg.agent_name || t("agent");
  return t(msg.sender === "customer" ? "customer" : msg.sender);
}

export function messageNode(msg) {
  const buttons = (msg.buttons || []).map((b) => h("span", { class: "msg-button" }, b.title || b.payload || ""));
  return h("li", { class: `msg msg-${msg.sender}`, dataset: { id: msg.id, seq: msg.seq } },
    h("div", { class: "msg-meta" }, h("span", { class: "msg-who" }, senderName(msg)), h("time", {}, timeOf(msg.created_at))),
    h("div", { class: "msg-text" }, msg.text || ""),
    buttons.length ? h("div", { class: "msg-buttons" }, buttons) : null);
}

// Intent names as the agent reads them; the code stays in the title for whoever needs it.
function intentChips(values) {
  if (!values || !values.length) return h("span", { class: "muted" }, t("none"));
  return values.map((v) => (typeof v === "string"
    ? h("span", { class: "chip", title: v, dataset: { code: v } }, label("intent", v))
    : h("span", { class: "chip" }, JSON.stringify(v))));
}

function failedTurn(turn) {
  if (typeof turn === "string") return turn;
  if (turn && typeof turn === "object") {
    const text = turn.text || turn.message || "";
    const intent = turn.intent ? ` (${label("intent", turn.intent)}${turn.confidence ? ` ${Math.round(turn.confidence * 100)}%` : ""})` : "";
    return `${text}${intent}`;
  }
  return String(turn);
}

export function contextCard(conv) {
  const ctx = conv.context || {};
  const slots = Object.entries(ctx.slots || {}).filter(([, v]) => v !== null && v !== "");
  const failed = ctx.failed_turns || [];
  const notes = ctx.transfer_notes || [];
  return h("section", { class: "context-card", "aria-label": t("context_packet") },
    h("div", { class: "context-head" },
      h("h3", {}, t("context_packet")),
      h("span", { class: "context-reason" }, `${t("reason")}: `, h("strong", {}, label("reason", conv.handoff_reason || ctx.reason) || "—"))),
    h("dl", { class: "context-grid" },
      h("dt", {}, t("problem")),
      h("dd", { class: "problem" }, (ctx.problem || []).length
        ? h("ol", {}, ctx.problem.map((p) => h("li", {}, String(p))))
        : h("span", { class: "muted" }, t("none"))),
      ctx.form ? h("dt", {}, t("abandoned_form")) : null,
      ctx.form ? h("dd", { class: "form" }, label("form", ctx.form)) : null,
      h("dt", {}, t("intents")), h("dd", { class: "intents" }, intentChips(ctx.intents)),
      h("dt", {}, t("slots")),
      h("dd", { class: "slots" }, slots.length
        ? slots.map(([k, v]) => h("span", { class: "slot", dataset: { key: k } },
          h("span", { class: "slot-k", title: k }, label("slot", k)), h("span", { class: "slot-v" }, slotValue(k, v))))
        : h("span", { class: "muted" }, t("none"))),
      h("dt", {}, t("failed_turns")),
      h("dd", { class: "failed" }, failed.length
        ? h("ol", {}, failed.map((f) => h("li", {}, failedTurn(f))))
        : h("span", { class: "muted" }, t("none"))),
      h("dt", {}, t("transfer_notes")),
      h("dd", { class: "notes" }, notes.length
        ? h("ol", {}, notes.map((n) => h("li", {}, noteText(n))))
        : h("span", { class: "muted" }, t("none")))));
}

function customerName(conv, app) {
  if (!conv.customer_id) return t("guest");
  const name = app.state.profile?.customer?.name || conv.customer_name;
  return name ? `${name} (${conv.customer_id})` : conv.customer_id;
}

function header(conv, app) {
  const mine = conv.state === "assigned" && conv.assigned_to === app.user.id;
  const open = ["waiting", "assigned"].includes(conv.state);
  const buttons = [];
  if (conv.state === "waiting") {
    buttons.push(h("button", { class: "btn btn-primary", "data-action": "claim", onclick: () => app.claim(conv.id) }, t("claim")));
  }
  if (mine && !conv.acknowledged) {
    buttons.push(h("button", { class: "btn btn-warn", "data-action": "ack", onclick: () => app.ack(conv.id) }, t("acknowledge")));
  }
  const canAct = mine || (app.user.role === "supervisor" && conv.state === "assigned");
  buttons.push(
    h("button", { class: "btn", "data-action": "transfer", disabled: !canAct, onclick: () => app.transfer(conv.id) }, t("transfer")),
    h("button", { class: "btn", "data-action": "callback", disabled: !open, onclick: () => app.scheduleCallback(conv.id) }, t("callback")),
    h("button", { class: "btn btn-success", "data-action": "resolve", disabled: !(canAct || conv.state === "waiting"), onclick: () => app.resolve(conv.id) }, t("resolve")),
  );
  return h("header", { class: "conv-head" },
    h("div", { class: "conv-title" },
      flag(conv.language),
      h("span", { class: "q-channel" }, channelIcon(conv.channel)),
      h("h2", {}, `#${conv.id} · `, customerName(conv, app)),
      h("span", { class: `state state-${conv.state}` }, label("state", conv.state))),
    h("div", { class: "conv-actions" }, buttons));
}

/** Build the view for a newly opened conversation. */
export function renderConversation(container, app) {
  const current = app.state.current;
  if (!current) {
    fill(container, h("div", { class: "placeholder" }, h("p", {}, t("no_conversation"))));
    return;
  }
  const conv = current.conversation;
  const reply = h("textarea", {
    id: "reply", rows: 3, maxlength: 4000, placeholder: t("reply_placeholder"),
    "aria-label": t("reply_placeholder"),
    onkeydown: (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        app.sendReply();
      }
    },
  });
  fill(container,
    h("div", { class: "conv-head-slot" }, header(conv, app)),
    h("div", { class: "summary-slot", id: "copilot-summary" }),
    h("div", { class: "context-slot" }, contextCard(conv)),
    h("div", { class: "transcript-wrap" }, h("ol", { class: "transcript", id: "transcript" }, current.messages.map(messageNode))),
    h("div", { class: "channel-window", id: "channel-window", hidden: true }),
    h("footer", { class: "composer" },
      reply,
      h("div", { class: "composer-side" },
        h("span", { class: "composer-hint" }),
        h("button", { class: "btn btn-ghost btn-sm", id: "canned-open", type: "button", title: t("canned_hint"), onclick: () => app.openCanned() }, t("canned_open")),
        h("button", { class: "btn btn-primary", id: "send", onclick: () => app.sendReply() }, t("send")))));
  updateComposer(app);
  scrollToEnd(container);
  watchWindow(app);
  mountSummary(app);
}

/** Refresh the header, context and composer after a state change, keeping the draft. */
export function updateConversation(container, app) {
  const current = app.state.current;
  if (!current) return;
  const head = container.querySelector(".conv-head-slot");
  const ctx = container.querySelector(".context-slot");
  if (!head || !ctx) {
    renderConversation(container, app);
    return;
  }
  fill(head, header(current.conversation, app));
  fill(ctx, contextCard(current.conversation));
  updateComposer(app);
  showWindow(app);
}

export function updateComposer(app) {
  const reply = document.getElementById("reply");
  const send = document.getElementById("send");
  if (!reply || !app.state.current) return;
  const conv = app.state.current.conversation;
  const allowed = conv.state === "assigned" && conv.assigned_to === app.user.id;
  reply.disabled = !allowed;
  send.disabled = !allowed;
  const closed = ["resolved", "closed"].includes(conv.state);
  reply.placeholder = allowed ? t("reply_placeholder") : closed ? label("state", conv.state) : t("reply_locked");
}

export function appendMessage(container, msg, app = null) {
  const list = container.querySelector("#transcript");
  if (!list || list.querySelector(`[data-id="${Number(msg.id)}"]`)) return;
  const wrap = list.parentElement;
  const atEnd = wrap.scrollHeight - wrap.scrollTop - wrap.clientHeight < 80;
  list.appendChild(messageNode(msg));
  if (atEnd || msg.sender === "agent") scrollToEnd(container);
  if (app) showWindow(app); // a customer message reopens the window; a reply uses one
}

function scrollToEnd(container) {
  const wrap = container.querySelector(".transcript-wrap");
  if (wrap) wrap.scrollTop = wrap.scrollHeight;
}
