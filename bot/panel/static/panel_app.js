// The workspace's shared state: the `app` object every view reads, the role tabs, and the
// small helpers (element look-up, toasts, error toast) that the controller modules share.

import { h } from "./dom.js";
import { t } from "./i18n.js";

export const TABS = {
  agent: ["workspace", "performance"],
  knowledge_manager: ["knowledge"],
  supervisor: ["workspace", "knowledge", "supervisor", "performance"],
};

export function emptyAssist() {
  return { suggestions: [], message_id: null, offer: null, churn_risk: false, offerOutcome: null, dismissed: new Set() };
}

export const app = {
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

export const el = (id) => document.getElementById(id);

// ---- toasts ------------------------------------------------------------------------------
app.toast = (text, kind = "info") => {
  const node = h("div", { class: `toast toast-${kind}` }, text);
  el("toasts").appendChild(node);
  setTimeout(() => node.classList.add("fade"), 4000);
  setTimeout(() => node.remove(), 4600);
};

export function fail(err) {
  app.toast(t("error", { detail: err.message }), "error");
}
