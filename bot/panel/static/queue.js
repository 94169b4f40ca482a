// The queue column: waiting conversations (wait timer, language, channel, reason,
// priority and why it was raised, the customer's mood) and the agent's own. Timers tick
// in place so clicks are never lost to re-renders.

import { fill, h } from "./dom.js";
import { channelIcon, clockIcon, flag } from "./icons.js";
import { label, t } from "./i18n.js";
import { raisedReason, sentimentBadge } from "./sentiment.js";

export function formatWait(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(total / 3600);
  const mm = String(Math.floor((total % 3600) / 60)).padStart(2, "0");
  const ss = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Start time (ms, local clock) of a wait; the server's wait_s avoids clock skew. */
export function waitStart(conv) {
  if (conv.wait_s === null || conv.wait_s === undefined) return null;
  return (conv._received || Date.now()) - conv.wait_s * 1000;
}

export function tickTimers(root = document) {
  const now = Date.now();
  root.querySelectorAll("[data-wait-start]").forEach((node) => {
    const seconds = (now - Number(node.dataset.waitStart)) / 1000;
    node.textContent = formatWait(seconds);
    node.classList.toggle("long", seconds > 120);
  });
}

function priorityBadge(priority) {
  const level = priority >= 2 ? "urgent" : priority >= 1 ? "high" : "normal";
  return h("span", { class: `prio prio-${level}`, title: `${t("priority")}: ${priority}` }, t(`prio_${level}`));
}

function item(conv, app, section) {
  const active = app.state.current && app.state.current.id === conv.id;
  const start = waitStart(conv);
  const actions = [];
  if (section === "waiting") {
    actions.push(h("button", {
      class: "btn btn-primary btn-sm", "data-action": "claim",
      onclick: (e) => { e.stopPropagation(); app.claim(conv.id); },
    }, t("claim")));
    if (app.user.role === "supervisor") {
      actions.push(h("button", {
        class: "btn btn-ghost btn-sm", onclick: (e) => { e.stopPropagation(); app.openAssign(conv.id); },
      }, t("assign")));
    }
  } else if (section === "mine" && !conv.acknowledged) {
    actions.push(h("button", {
      class: "btn btn-warn btn-sm", "data-action": "ack",
      onclick: (e) => { e.stopPropagation(); app.ack(conv.id); },
    }, t("acknowledge")));
    actions.push(h("button", {
      class: "btn btn-ghost btn-sm", "data-action": "decline",
      onclick: (e) => { e.stopPropagation(); app.decline(conv.id); },
    }, t("decline")));
  }
  // The name the hub copied at linking (signed in, the bot's checks or an agent's link).
  const who = conv.customer_name || conv.customer_id || t("guest");
  return h("li", {
    class: `q-item${active ? " active" : ""}${app.state.unread.has(conv.id) ? " unread" : ""}${section === "mine" && !conv.acknowledged ? " needs-ack" : ""}`,
    dataset: { id: conv.id, state: conv.state },
    tabindex: 0,
    onclick: () => app.openConversation(conv.id),
    onkeydown: (e) => { if (e.key === "Enter") app.openConversation(conv.id); },
  },
  h("div", { class: "q-top" },
    flag(conv.language),
    h("span", { class: "q-channel" }, channelIcon(conv.channel)),
    h("span", { class: "q-id" }, `#${conv.id}`),
    h("span", { class: "q-who" }, who),
    priorityBadge(conv.priority || 0)),
  h("div", { class: "q-reason" }, label("reason", conv.handoff_reason || (conv.context || {}).reason) || "—"),
  raisedReason(conv),
  h("div", { class: "q-bottom" },
    start !== null
      ? h("span", { class: "wait-wrap", title: t("wait") }, clockIcon(),
        h("span", { class: "wait", dataset: { waitStart: String(start) } }, formatWait((Date.now() - start) / 1000)))
      : h("span", { class: "wait muted" }, "—"),
    sentimentBadge(conv),
    conv.transfer_count ? h("span", { class: "q-transfers" }, t("transfers", { n: conv.transfer_count })) : null,
    section === "mine" && !conv.acknowledged ? h("span", { class: "tag tag-warn" }, t("needs_ack")) : null,
    h("span", { class: "q-actions" }, actions)));
}

function section(title, items, app, kind, emptyText) {
  return h("section", { class: "q-section", dataset: { section: kind } },
    h("h3", {}, title, h("span", { class: "count" }, String(items.length))),
    items.length
      ? h("ul", { class: "q-list" }, items.map((c) => item(c, app, kind)))
      : h("p", { class: "empty" }, emptyText));
}

export function renderQueue(container, app) {
  const { waiting, mine, assigned } = app.state.queue;
  const parts = [
    section(t("mine"), mine, app, "mine", t("mine_empty")),
    section(t("waiting"), waiting, app, "waiting", t("queue_empty")),
  ];
  if (app.user.role === "supervisor") {
    const others = assigned.filter((c) => c.assigned_to !== app.user.id);
    parts.push(section(t("assigned_others"), others, app, "assigned", t("none")));
  }
  fill(container, parts);
}
