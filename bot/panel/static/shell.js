// The workspace frame: the top bar (tabs, connection dot, bot health, presence, account
// buttons), the role views, and the assist column. The account buttons' actions belong to
// the controller (panel.js), which registers them with setShellActions.

import { renderOffer, renderSuggestions } from "./assist.js";
import { renderConversation } from "./conversation.js";
import { fill, h } from "./dom.js";
import { label, t } from "./i18n.js";
import { lotus } from "./icons.js";
import { renderKnowledge } from "./knowledge.js";
import { langSwitch } from "./login.js";
import { TABS, app, el, fail } from "./panel_app.js";
import { renderPerformance } from "./performance.js";
import { renderProfile } from "./profile.js";
import { renderQueue } from "./queue.js";
import { renderSupervisor } from "./supervisor.js";

const actions = { togglePresence: null, changePassword: null, signOut: null };

/** The top bar's presence, change-password and sign-out handlers. */
export function setShellActions(given) {
  Object.assign(actions, given);
}

// ---- shell -------------------------------------------------------------------------------
function presenceButton() {
  return h("button", {
    class: `presence ${app.user.online ? "is-online" : "is-offline"}`, id: "presence", "aria-pressed": String(app.user.online),
    onclick: actions.togglePresence,
  }, h("span", { class: "dot" }), t(app.user.online ? "online" : "offline"));
}

/** Redraw the presence button alone: the open conversation, its draft, focus and any open
 * list of canned replies stay as they are. */
export function updatePresence() {
  const button = el("presence");
  if (button) button.replaceWith(presenceButton());
}

export function renderShell() {
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
        canGoOnline ? presenceButton() : null,
        h("div", { class: "user" }, h("strong", {}, app.user.display_name), h("span", {}, label("role", app.user.role))),
        h("button", { class: "btn btn-ghost btn-sm on-dark", id: "change-password", onclick: actions.changePassword }, t("change_password")),
        h("button", { class: "btn btn-ghost btn-sm on-dark", id: "sign-out", onclick: actions.signOut }, t("sign_out")))),
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

export function renderAll() {
  renderShell();
}

export function renderAssist() {
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

export function showTab(tab) {
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

export function botHealthBadge() {
  const state = botHealthState();
  return h("span", { class: `bot-health bot-${state}`, id: "bot-health", role: "status" }, t(`bot_${state}`));
}

export function setConnection(status) {
  app.connection = status;
  const node = el("conn");
  if (node) {
    node.className = `conn conn-${status}`;
    node.title = t(status === "live" ? "live" : "reconnecting");
  }
}
