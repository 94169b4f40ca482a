// The workspace's controller: sign-in, role views, the live socket, and the actions agents
// take on conversations. Views live in their own modules; this file wires them together.

import { get, post, record, setCsrf } from "./api.js";
import { renderOffer, renderSuggestions } from "./assist.js";
import { installCanned } from "./canned.js";
import { refusedText, showWindow } from "./channel_window.js";
import { appendMessage, renderConversation, updateComposer, updateConversation } from "./conversation.js";
import { assignDialog, callbackDialog, linkDialog, passwordDialog, transferDialog, unlinkDialog } from "./dialogs.js";
import { fill, h } from "./dom.js";
import { getLang, label, setLang, t } from "./i18n.js";
import "./labels.js";
import { lotus } from "./icons.js";
import { renderKnowledge } from "./knowledge.js";
import { renderPerformance } from "./performance.js";
import { renderProfile } from "./profile.js";
import { renderQueue, tickTimers } from "./queue.js";
import { renderSupervisor } from "./supervisor.js";
import { applySummary } from "./summary.js";
import { wrapupDialog } from "./wrapup.js";
import { LiveSocket } from "./socket.js";

const TABS = {
  agent: ["workspace", "performance"],
  knowledge_manager: ["knowledge"],
  supervisor: ["workspace", "knowledge", "supervisor", "performance"],
};

function emptyAssist() {
  return { suggestions: [], message_id: null, offer: null, churn_risk: false, offerOutcome: null, dismissed: new Set() };
}

const app = {
  user: null,
  socket: null,
  connection: "connecting",
  state: {
    tab: null,
    queue: { waiting: [], mine: [], assigned: [] },
    current: null,
    assist: emptyAssist(),
    profile: null,
    profileError: null,
    unread: new Set(),
    inserted: null,
  },
};
window.tandemPanel = app; // handy in the browser console when supporting agents

const el = (id) => document.getElementById(id);

// ---- toasts ------------------------------------------------------------------------------
app.toast = (text, kind = "info") => {
  const node = h("div", { class: `toast toast-${kind}` }, text);
  el("toasts").appendChild(node);
  setTimeout(() => node.classList.add("fade"), 4000);
  setTimeout(() => node.remove(), 4600);
};

function fail(err) {
  app.toast(t("error", { detail: err.message }), "error");
}

// ---- sign-in -----------------------------------------------------------------------------
function langSwitch(onChange) {
  return h("div", { class: "lang-switch", role: "group", "aria-label": t("language") },
    ["vi", "en"].map((code) => h("button", {
      class: `btn btn-xs${getLang() === code ? " on" : ""}`, "data-lang": code,
      onclick: () => { setLang(code); onChange(); },
    }, code.toUpperCase())));
}

function showLogin(message) {
  const error = h("p", { class: "form-error", role: "alert" }, message || "");
  const form = h("form", { class: "login-card", id: "login-form" },
    h("div", { class: "login-brand" }, lotus(40), h("div", {}, h("strong", {}, t("bank")), h("span", {}, "Tandem"))),
    h("h1", {}, t("sign_in_title")),
    h("label", { class: "field" }, h("span", {}, t("username")), h("input", { name: "username", autocomplete: "username", required: true })),
    h("label", { class: "field" }, h("span", {}, t("password")), h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    error,
    h("button", { class: "btn btn-primary btn-block", type: "submit" }, t("sign_in")),
    langSwitch(() => showLogin()));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form).entries());
    try {
      const data = await post("/api/auth/login", { username: values.username.trim(), password: values.password });
      start(data.user, data.csrf_token);
    } catch (err) {
      if (err.status === 401) error.textContent = t("wrong_login");
      else if (err.status === 429) error.textContent = t("too_many_attempts", { seconds: err.retryAfter || 1 });
      else error.textContent = t("error", { detail: err.message });
    }
  });
  document.body.className = "login";
  fill(el("app"), h("main", { class: "login-wrap" }, form));
  form.querySelector("input").focus();
}

// ---- shell -------------------------------------------------------------------------------
function renderShell() {
  const tabs = TABS[app.user.role] || [];
  const canGoOnline = app.user.role !== "knowledge_manager";
  const draft = el("reply") ? el("reply").value : "";
  document.body.className = "workspace";
  fill(el("app"),
    h("header", { class: "topbar" },
      h("div", { class: "brand" }, lotus(26), h("div", {}, h("strong", {}, t("bank")), h("span", {}, t("app_name")))),
      h("nav", { class: "tabs" }, tabs.map((tab) => h("button", {
        class: `tab${app.state.tab === tab ? " on" : ""}`, "data-tab": tab, onclick: () => showTab(tab),
      }, t(`tab_${tab}`)))),
      h("div", { class: "topbar-right" },
        h("span", { class: `conn conn-${app.connection}`, id: "conn", title: t(app.connection === "live" ? "live" : "reconnecting") }),
        botHealthBadge(),
        langSwitch(() => renderAll()),
        canGoOnline ? h("button", {
          class: `presence ${app.user.online ? "is-online" : "is-offline"}`, id: "presence", "aria-pressed": String(app.user.online),
          onclick: togglePresence,
        }, h("span", { class: "dot" }), t(app.user.online ? "online" : "offline")) : null,
        h("div", { class: "user" }, h("strong", {}, app.user.display_name), h("span", {}, label("role", app.user.role))),
        h("button", { class: "btn btn-ghost btn-sm on-dark", id: "change-password", onclick: changePassword }, t("change_password")),
        h("button", { class: "btn btn-ghost btn-sm on-dark", id: "sign-out", onclick: signOut }, t("sign_out")))),
    h("main", { class: "views" },
      h("div", { class: "view view-workspace", id: "view-workspace", hidden: app.state.tab !== "workspace" },
        h("aside", { class: "col col-queue" }, h("div", { class: "col-title" }, t("queue")), h("div", { id: "queue", class: "col-scroll" })),
        h("section", { class: "col col-conv", id: "conversation" }),
        h("aside", { class: "col col-assist" },
          h("div", { class: "col-title" }, t("assist")),
          h("div", { class: "col-scroll" },
            h("section", { class: "card", id: "offer", hidden: true }),
            h("section", { class: "card", id: "suggestions" }),
            h("section", { class: "card", id: "profile" })))),
      h("div", { class: "view view-knowledge", id: "view-knowledge", hidden: app.state.tab !== "knowledge" }),
      h("div", { class: "view view-supervisor", id: "view-supervisor", hidden: app.state.tab !== "supervisor" }),
      h("div", { class: "view view-performance", id: "view-performance", hidden: app.state.tab !== "performance" })));
  if (app.state.tab === "workspace") {
    renderQueue(el("queue"), app);
    renderConversation(el("conversation"), app);
    if (el("reply")) el("reply").value = draft;
    renderAssist();
  } else if (app.state.tab === "knowledge") {
    renderKnowledge(el("view-knowledge"), app);
  } else if (app.state.tab === "supervisor") {
    renderSupervisor(el("view-supervisor"), app).catch(fail);
  } else if (app.state.tab === "performance") {
    renderPerformance(el("view-performance"), app).catch(fail);
  }
}

function renderAll() {
  renderShell();
}

function renderAssist() {
  if (!el("suggestions")) return;
  if (app.state.current) {
    renderSuggestions(el("suggestions"), app);
    el("suggestions").hidden = false;
  } else {
    el("suggestions").hidden = true;
  }
  renderOffer(el("offer"), app);
  renderProfile(el("profile"), app);
  el("profile").hidden = !app.state.current;
}

function showTab(tab) {
  app.state.tab = tab;
  renderShell();
}

// The bot's health as the hub probes it (Rasa warm-up parse, action server /health).
function botHealthState() {
  const bot = app.botHealth;
  if (!bot || bot.rasa === null || bot.rasa === undefined) return "unknown";
  if (!bot.rasa || bot.breaker_open) return "down";
  return bot.actions === false ? "degraded" : "ok";
}

function botHealthBadge() {
  const state = botHealthState();
  return h("span", { class: `bot-health bot-${state}`, id: "bot-health", role: "status" }, t(`bot_${state}`));
}

function setConnection(status) {
  app.connection = status;
  const node = el("conn");
  if (node) {
    node.className = `conn conn-${status}`;
    node.title = t(status === "live" ? "live" : "reconnecting");
  }
}

// ---- queue -------------------------------------------------------------------------------
function stamp(conv) {
  return { ...conv, _received: Date.now() };
}

async function loadQueue() {
  if (!(TABS[app.user.role] || []).includes("workspace")) return;
  try {
    const data = await get("/api/queue");
    app.state.queue = { waiting: data.waiting.map(stamp), mine: data.mine.map(stamp), assigned: data.assigned.map(stamp) };
    if (el("queue")) renderQueue(el("queue"), app);
  } catch (err) {
    if (err.status === 401) return showLogin();
    fail(err);
  }
}

let queueReload = null;
function reloadQueueSoon() {
  // Several changes in a burst (a requeue and the next offer) make one request.
  clearTimeout(queueReload);
  queueReload = setTimeout(loadQueue, 150);
}

function upsertQueue(conv) {
  const q = app.state.queue;
  const known = [...q.waiting, ...q.mine, ...q.assigned].some((c) => c.id === conv.id && c.state === conv.state);
  const item = stamp(conv);
  q.waiting = q.waiting.filter((c) => c.id !== conv.id);
  q.mine = q.mine.filter((c) => c.id !== conv.id);
  q.assigned = q.assigned.filter((c) => c.id !== conv.id);
  if (conv.state === "waiting") {
    q.waiting.push(item);
    // The order is the server's (routing order, with ageing): fetch it rather than sort
    // on this copy's wait times, which go stale.
    reloadQueueSoon();
    if (!known) app.toast(t("new_waiting", { id: conv.id }));
  } else if (conv.state === "assigned") {
    q.assigned.push(item);
    if (conv.assigned_to === app.user.id) q.mine.push(item);
  }
  if (el("queue")) renderQueue(el("queue"), app);
}

// ---- conversation ------------------------------------------------------------------------
async function loadProfile(customerId) {
  app.state.profile = null;
  app.state.profileError = null;
  if (!customerId) return;
  try {
    app.state.profile = await get(`/api/customers/${encodeURIComponent(customerId)}/profile`);
  } catch (err) {
    app.state.profileError = err.message;
  }
}

async function loadAssist(convId) {
  try {
    const data = await get(`/api/conversations/${convId}/assist`);
    if (!app.state.current || app.state.current.id !== convId) return;
    applySuggestions(data.suggestions || [], data.message_id ?? null);
    applyOffer(data.offer || null, Boolean(data.churn_risk));
  } catch (err) {
    // Older hubs (or a conversation with no customer message yet) have no assist state.
  }
}

app.openConversation = async (id, switchTab = false) => {
  try {
    const data = await get(`/api/conversations/${id}`);
    const changed = !app.state.current || app.state.current.id !== id;
    app.state.current = { id, conversation: data.conversation, messages: data.messages, events: data.events };
    app.state.unread.delete(id);
    if (changed) {
      app.state.assist = emptyAssist();
      app.state.inserted = null;
      app.state.profile = null;
    }
    app.socket.watch(id);
    if (switchTab && app.state.tab !== "workspace") showTab("workspace");
    renderConversation(el("conversation"), app);
    renderQueue(el("queue"), app);
    renderAssist();
    // Profile and assist load side by side; each shows as soon as it arrives, so a slow
    // knowledge search never holds back the customer's profile.
    const stillOpen = () => app.state.current && app.state.current.id === id;
    if (changed) {
      loadProfile(data.conversation.customer_id).then(() => {
        if (!stillOpen()) return;
        renderAssist();
        updateConversation(el("conversation"), app); // the header shows the customer's name
      });
    }
    await loadAssist(id);
    if (stillOpen()) renderAssist();
  } catch (err) {
    fail(err);
  }
};

/** Re-read the open conversation (after a reconnect or an action) without losing the draft. */
async function refreshCurrent() {
  const current = app.state.current;
  if (!current) return;
  const data = await get(`/api/conversations/${current.id}`);
  if (!app.state.current || app.state.current.id !== current.id) return;
  current.conversation = data.conversation;
  current.messages = data.messages;
  data.messages.forEach((m) => appendMessage(el("conversation"), m));
  updateConversation(el("conversation"), app);
  await loadAssist(current.id);
  renderAssist();
}

app.claim = async (id) => {
  try {
    await post(`/api/conversations/${id}/claim`);
    await loadQueue();
    await app.openConversation(id);
    el("reply")?.focus();
  } catch (err) {
    fail(err);
    loadQueue();
  }
};

app.ack = async (id) => {
  try {
    await post(`/api/conversations/${id}/ack`);
    await loadQueue();
    await app.openConversation(id);
  } catch (err) {
    fail(err);
  }
};

app.decline = async (id) => {
  try {
    await post(`/api/conversations/${id}/decline`);
  } catch (err) {
    fail(err);
  }
  loadQueue();
};

app.openAssign = async (id) => {
  const values = await assignDialog();
  if (!values) return;
  try {
    await post(`/api/conversations/${id}/assign`, { username: values.username.trim() });
    await loadQueue();
  } catch (err) {
    fail(err);
  }
};

app.transfer = async (id) => {
  const values = await transferDialog();
  if (!values) return;
  const agent = (values.agent || "").trim();
  try {
    await post(`/api/conversations/${id}/transfer`, { note: values.note.trim(), to_agent: agent || null, to_team: agent ? null : values.team });
    await loadQueue();
    await refreshCurrent();
  } catch (err) {
    fail(err);
  }
};

app.scheduleCallback = async (id) => {
  const phone = app.state.profile?.customer?.phone || "";
  const body = await callbackDialog(phone);
  if (!body) return;
  try {
    const cb = await post(`/api/conversations/${id}/callbacks`, body);
    app.toast(t("callback_done", { ref: cb.reference }), "ok");
    await loadProfile(app.state.current?.conversation.customer_id);
    renderAssist();
  } catch (err) {
    fail(err);
  }
};

/** After a link or an unlink: the conversation as the hub now has it, and its profile. */
async function customerChanged(conv) {
  const current = app.state.current;
  if (!current || current.id !== conv.id) return;
  current.conversation = conv;
  upsertQueue(conv);
  await loadProfile(conv.customer_id);
  updateConversation(el("conversation"), app);
  renderAssist();
}

app.linkCustomer = async (id) => {
  const values = await linkDialog();
  if (!values) return;
  try {
    await customerChanged(await post(`/api/conversations/${id}/customer`, { customer_id: values.customer_id.trim(), reason: values.reason.trim() }));
  } catch (err) {
    fail(err);
  }
};

app.unlinkCustomer = async (id) => {
  const values = await unlinkDialog();
  if (!values) return;
  try {
    await customerChanged(await post(`/api/conversations/${id}/customer/unlink`, { reason: values.reason.trim() }));
  } catch (err) {
    fail(err);
  }
};

app.resolve = async (id) => {
  const values = await wrapupDialog(id);
  if (!values) return;
  try {
    await post(`/api/conversations/${id}/resolve`, { code: values.code });
    await loadQueue();
    await refreshCurrent();
  } catch (err) {
    fail(err);
  }
};

app.sendReply = async () => {
  const box = el("reply");
  const current = app.state.current;
  if (!box || !current || box.disabled) return;
  const text = box.value.trim();
  if (!text) return;
  box.disabled = true;
  try {
    const msg = await post(`/api/conversations/${current.id}/messages`, { text });
    box.value = "";
    current.messages.push(msg);
    appendMessage(el("conversation"), msg, app);
    const inserted = app.state.inserted;
    if (inserted && inserted.conversation_id === current.id) {
      // The agent may have reworded the answer; that tells knowledge managers it needs work.
      const edited = text !== inserted.answer.trim();
      record("/api/suggestions/feedback", {
        conversation_id: current.id, message_id: inserted.message_id, entry_id: inserted.entry_id,
        rank: inserted.rank, event: edited ? "sent_edited" : "sent",
      });
      app.state.inserted = null;
    }
  } catch (err) {
    app.toast(t("sent_failed", { detail: err.message }), "error");
    if (err.status === 409) showWindow(app); // a closed Zalo or Messenger window, perhaps
  } finally {
    updateComposer(app);
    box.focus();
  }
};

// ---- assist ------------------------------------------------------------------------------
function applySuggestions(suggestions, messageId) {
  // The panel records what the agent sees and does with suggestions: "shown" when the
  // column draws them (assist.js), then inserted, dismissed, sent, sent_edited.
  const assist = app.state.assist;
  // Searches finish out of order; answers to an older message must not replace newer ones.
  if (assist.message_id !== null && (messageId === null || messageId < assist.message_id)) return false;
  assist.suggestions = suggestions.slice(0, 3);
  assist.message_id = messageId;
  assist.dismissed = new Set();
  return true;
}

function applyOffer(offer, churn) {
  const assist = app.state.assist;
  const same = offer && assist.offer && offer.rule_id === assist.offer.rule_id && offer.offer_id === assist.offer.offer_id;
  if (!same) assist.offerOutcome = null;
  assist.offer = offer;
  assist.churn_risk = churn;
}

app.insertSuggestion = (sug, rank) => {
  const box = el("reply");
  const current = app.state.current;
  if (!box || !current) return;
  const answer = sug.answer || "";
  box.value = box.value.trim() ? `${box.value.trimEnd()}\n\n${answer}` : answer;
  app.state.inserted = { conversation_id: current.id, entry_id: sug.entry_id, answer, rank, message_id: app.state.assist.message_id };
  record("/api/suggestions/feedback", {
    conversation_id: current.id, message_id: app.state.assist.message_id, entry_id: sug.entry_id, rank, event: "inserted",
  });
  if (!box.disabled) {
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }
};

app.dismissSuggestion = (sug, rank) => {
  const current = app.state.current;
  app.state.assist.dismissed.add(sug.entry_id);
  record("/api/suggestions/feedback", {
    conversation_id: current.id, message_id: app.state.assist.message_id, entry_id: sug.entry_id, rank, event: "dismissed",
  });
  renderSuggestions(el("suggestions"), app);
};

app.offerOutcome = async (offer, outcome) => {
  const current = app.state.current;
  try {
    await post("/api/offers/outcome", { conversation_id: current.id, rule_id: offer.rule_id, offer_id: offer.offer_id, outcome });
    app.state.assist.offerOutcome = outcome;
    app.toast(t("outcome_saved", { outcome: t(outcome) }), "ok");
    renderOffer(el("offer"), app);
  } catch (err) {
    fail(err);
  }
};

// ---- live events -------------------------------------------------------------------------
function onEvent(event) {
  const current = app.state.current;
  const isCurrent = (id) => current && current.id === Number(id);
  switch (event.type) {
    case "conversation": {
      const conv = event.conversation;
      upsertQueue(conv);
      if (isCurrent(conv.id)) {
        const hadCustomer = current.conversation.customer_id;
        current.conversation = conv;
        updateConversation(el("conversation"), app);
        // Linked, relinked or unlinked (by the bot's check or an agent): show who it is now.
        if (hadCustomer !== conv.customer_id) {
          loadProfile(conv.customer_id).then(() => {
            if (!app.state.current || app.state.current.id !== conv.id) return;
            updateConversation(el("conversation"), app);
            renderAssist();
          });
        } else {
          renderAssist(); // how the customer is known may have changed
        }
      }
      break;
    }
    case "message": {
      const msg = event.message;
      if (isCurrent(msg.conversation_id)) {
        if (!current.messages.some((m) => m.id === msg.id)) current.messages.push(msg);
        appendMessage(el("conversation"), msg, app);
      } else if (msg.sender === "customer") {
        const mine = app.state.queue.mine.some((c) => c.id === msg.conversation_id);
        if (mine) {
          app.state.unread.add(msg.conversation_id);
          renderQueue(el("queue"), app);
        }
      }
      break;
    }
    case "assigned":
      if (event.needs_ack) app.toast(t("assigned_toast", { id: event.conversation_id }), "warn");
      loadQueue();
      break;
    case "alert":
      app.toast(event.text || event.kind, "warn");
      if (app.state.tab === "supervisor") renderSupervisor(el("view-supervisor"), app).catch(fail);
      break;
    case "suggestions":
      if (isCurrent(event.conversation_id)) {
        if (applySuggestions(event.suggestions || [], event.message_id ?? null)) {
          renderSuggestions(el("suggestions"), app);
        }
      }
      break;
    case "summary":
      applySummary(app, event);
      break;
    case "offer":
      if (isCurrent(event.conversation_id)) {
        applyOffer(event.offer || null, Boolean(event.churn_risk));
        renderOffer(el("offer"), app);
      }
      break;
    case "health": {
      app.botHealth = event.bot;
      const node = el("bot-health");
      if (node) node.replaceWith(botHealthBadge());
      break;
    }
    case "resync":
      // The hub lost and regained the other replicas' pushes: re-read, as after a reconnect.
      loadQueue();
      refreshCurrent().catch(fail);
      break;
    case "delivery_refused":
      // A stored reply Zalo or Messenger did not take (its window closed): say why.
      if (isCurrent(event.conversation_id)) {
        app.toast(refusedText(event), "error");
        showWindow(app);
      }
      break;
    case "presence":
      if (event.user === app.user.username && app.user.online !== event.online) {
        app.user.online = event.online;
        renderShell();
      }
      break;
    default:
      break;
  }
}

async function togglePresence() {
  try {
    const data = await post("/api/agents/me/status", { online: !app.user.online });
    app.user.online = data.online;
    renderShell();
    loadQueue();
  } catch (err) {
    fail(err);
  }
}

async function changePassword() {
  const values = await passwordDialog();
  if (!values) return;
  // The hub ends every session of the account, this page's socket included; the page gets a
  // new session in the answer and reconnects with it (see sessionEnded).
  app.passwordChange = post("/api/auth/password", { current_password: values.current, new_password: values.next });
  try {
    const data = await app.passwordChange;
    setCsrf(data.csrf_token);
    app.toast(t("password_changed"), "ok");
    connectSocket();
  } catch (err) {
    if (err.status === 403) app.toast(t("password_wrong"), "error");
    else if (err.status === 429) app.toast(t("too_many_attempts", { seconds: err.retryAfter || 1 }), "error");
    else fail(err);
  } finally {
    app.passwordChange = null;
  }
}

/** The socket closed for good: back to sign-in, unless this page already has a new session. */
async function sessionEnded() {
  if (app.passwordChange) await app.passwordChange.catch(() => null);
  try {
    const me = await get("/api/auth/me");
    setCsrf(me.csrf_token);
    connectSocket();
  } catch (err) {
    app.user = null;
    app.state.current = null;
    setCsrf(null);
    showLogin(t("session_ended"));
  }
}

function connectSocket() {
  app.socket?.close();
  app.socket = new LiveSocket({
    onEvent,
    onStatus: setConnection,
    onEnded: sessionEnded,
    onOpen: (reconnect) => {
      loadQueue();
      if (reconnect) refreshCurrent().catch(fail);
    },
  });
  if (app.state.current) app.socket.watching = app.state.current.id;
  app.socket.connect();
}

async function signOut() {
  try {
    await post("/api/auth/logout");
  } catch (err) {
    // Signing out locally still matters when the hub is unreachable.
  }
  app.socket?.close();
  app.user = null;
  app.state.current = null;
  setCsrf(null);
  showLogin();
}

function start(user, csrf) {
  app.user = user;
  setCsrf(csrf);
  app.state.tab = (TABS[user.role] || ["workspace"])[0];
  app.state.current = null;
  renderShell();
  connectSocket();
}

async function boot() {
  setLang(getLang());
  installCanned(app);
  setInterval(() => tickTimers(), 1000);
  try {
    const me = await get("/api/auth/me");
    start(me.user, me.csrf_token);
  } catch (err) {
    showLogin();
  }
}

boot();
