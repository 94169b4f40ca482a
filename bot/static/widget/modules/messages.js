/*
 * Owns the message log: building a message (sender label, text bubble, suggestion and
 * survey buttons, time or delivery status), ordering it by conversation and sequence,
 * replacing a pending message by the hub's copy, failure reasons, unread badge and typing
 * dots. Text is always set with textContent.
 */

import { config } from "./config.js";
import { clock, el } from "./dom.js";
import { ui } from "./layout.js";
import { dropFromOutbox } from "./outbox.js";
import { state } from "./state.js";
import { t } from "./strings.js";

// What a click on a suggestion or survey button does (main.js wires it to the composer's
// submit), so this module need not import the sending side.
var choose = function () {};
export function onChoose(handler) {
  choose = handler;
}

function whoLabel(node) {
  var sender = node.getAttribute("data-sender");
  if (sender === "bot") return t("bot");
  if (sender === "agent") return node.getAttribute("data-agent-name") || t("agent");
  return "";
}

export function relabel(node) {
  var who = node.querySelector(".tw-who");
  if (who) {
    who.textContent = whoLabel(node);
    // A named agent also gets a role badge, so a person is never mistaken for the bot.
    if (node.getAttribute("data-agent-name")) who.setAttribute("data-role-label", t("agent"));
  }
  var bubble = node.querySelector(".tw-bubble");
  var raw = node.getAttribute("data-raw");
  if (bubble && raw !== null) bubble.textContent = displayText(raw, node.getAttribute("data-sender"));
  var meta = node.querySelector(".tw-meta");
  if (meta) meta.textContent = metaText(node);
}

function displayText(text, sender) {
  // A customer's button press is stored as its payload; show the title they clicked.
  if (sender === "customer" && text.charAt(0) === "/" && state.labels[text]) {
    return state.labels[text];
  }
  return text;
}

function metaText(node) {
  var status = node.getAttribute("data-status");
  if (status === "pending") return t("pending");
  if (status === "failed") return t("failed") + (node.getAttribute("data-error") ? " · " + node.getAttribute("data-error") : "");
  return clock(node.getAttribute("data-time"));
}

function buildMessage(m) {
  var sender = m.sender || "system";
  var node = el("div", "tw-msg tw-msg--" + sender);
  node.setAttribute("data-sender", sender);
  node.setAttribute("data-raw", m.text || "");
  if (m.created_at) node.setAttribute("data-time", m.created_at);
  if (m.agent_name) node.setAttribute("data-agent-name", m.agent_name);
  if (sender === "bot" || sender === "agent") node.appendChild(el("div", "tw-who"));
  node.appendChild(el("div", "tw-bubble"));
  if (m.buttons && m.buttons.length) {
    var row = el("div", "tw-buttons");
    m.buttons.forEach(function (b) {
      if (!b || typeof b.payload !== "string") return;
      var title = String(b.title || b.payload);
      state.labels[b.payload] = title;
      var btn = el("button", "tw-chip", title);
      btn.type = "button";
      btn.addEventListener("click", function () {
        choose(b.payload);
      });
      row.appendChild(btn);
    });
    node.appendChild(row);
  }
  node.appendChild(el("div", "tw-meta"));
  return node;
}

function setIdentity(node, m) {
  node.setAttribute("data-id", String(m.id));
  node.setAttribute("data-conv", String(m.conversation_id || 0));
  node.setAttribute("data-seq", String(m.seq || 0));
  node.removeAttribute("data-status");
  node.classList.remove("tw-msg--pending");
}

function before(a, b) {
  // Order by conversation, then by sequence within it; pending messages stay last.
  var ac = +a.getAttribute("data-conv"), bc = +b.getAttribute("data-conv");
  return ac !== bc ? ac < bc : +a.getAttribute("data-seq") < +b.getAttribute("data-seq");
}

function place(node) {
  var child = ui.logEl.lastElementChild;
  while (child && child !== ui.welcome) {
    if (child.hasAttribute("data-id") && !before(node, child)) break;
    child = child.previousElementSibling;
  }
  ui.logEl.insertBefore(node, child ? child.nextElementSibling : ui.logEl.firstElementChild);
}

function nearBottom() {
  return ui.logEl.scrollHeight - ui.logEl.scrollTop - ui.logEl.clientHeight < 80;
}

export function scrollDown() {
  ui.logEl.scrollTop = ui.logEl.scrollHeight;
}

export function addMessage(m) {
  if (!m || m.id === undefined) return;
  var key = "m" + m.id;
  if (state.rendered[key]) return;
  var stick = nearBottom();
  var node = m.client_id && m.sender === "customer" ? state.rendered["c" + m.client_id] : null;
  if (node) {
    delete state.rendered["c" + m.client_id];
    dropFromOutbox(m.client_id);
    node.setAttribute("data-raw", m.text);
    if (m.created_at) node.setAttribute("data-time", m.created_at);
    setIdentity(node, m);
    node.remove();
  } else {
    node = buildMessage(m);
    setIdentity(node, m);
    if (m.sender === "customer" && m.client_id) dropFromOutbox(m.client_id);
  }
  state.rendered[key] = node;
  relabel(node);
  place(node);
  if (m.sender === "customer") {
    // Older suggestion buttons no longer apply once the customer has answered.
    ui.logEl.querySelectorAll(".tw-buttons").forEach(function (row) {
      if (row.parentNode !== node && before(row.parentNode, node)) row.hidden = true;
    });
  } else {
    hideTyping();
    if (!state.open) {
      state.unread += 1;
      ui.badge.textContent = String(state.unread);
      ui.badge.hidden = false;
    }
  }
  if (stick || m.sender === "customer") scrollDown();
}

export function addPending(item) {
  var key = "c" + item.client_id;
  if (state.rendered[key]) return;
  var node = buildMessage({ sender: "customer", text: item.text, created_at: item.created_at });
  node.classList.add("tw-msg--pending");
  node.setAttribute("data-status", "pending");
  state.rendered[key] = node;
  relabel(node);
  ui.logEl.appendChild(node);
  scrollDown();
}

export function markFailed(clientId, reason) {
  dropFromOutbox(clientId);
  var node = state.rendered["c" + clientId];
  if (!node) return;
  node.classList.remove("tw-msg--pending");
  node.classList.add("tw-msg--failed");
  node.setAttribute("data-status", "failed");
  node.setAttribute("data-error", reason || "");
  relabel(node);
}

export function reasonFor(code, retryAfter) {
  if (code === "too_long") return t("tooLong").replace("{n}", String(config.maxChars));
  if (code === "rate_limited") return t("rateLimited").replace("{s}", String(retryAfter || 10));
  if (code === "empty") return t("empty");
  return t("notText");
}

export function showTyping() {
  ui.typingEl.hidden = false;
  clearTimeout(state.typingTimer);
  // A lost reply must not leave the dots running for ever.
  state.typingTimer = setTimeout(hideTyping, 15000);
  if (nearBottom()) scrollDown();
}

export function hideTyping() {
  clearTimeout(state.typingTimer);
  ui.typingEl.hidden = true;
}

// After a language switch: every rendered message's labels and status in the new language.
export function relabelAll() {
  Object.keys(state.rendered).forEach(function (key) {
    relabel(state.rendered[key]);
  });
}
