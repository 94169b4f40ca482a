/*
 * Owns the visitor's language: every widget label in the current language, the switch
 * button's effect (labels change at once, the choice is stored), and telling the hub, which
 * answers the open conversation in it and returns a token carrying it.
 */

import { config, HUMAN_PAYLOAD } from "./config.js";
import { ui } from "./layout.js";
import { relabelAll } from "./messages.js";
import { authHeaders, setToken, startSession } from "./session.js";
import { socketReady, state } from "./state.js";
import { renderStatus } from "./status.js";
import { save } from "./storage.js";
import { t } from "./strings.js";

export function applyLanguage() {
  ui.root.setAttribute("lang", state.lang);
  ui.titleEl.textContent = t("title");
  ui.launcher.setAttribute("aria-label", t("open"));
  ui.closeBtn.setAttribute("aria-label", t("close"));
  ui.langBtn.textContent = t("lang");
  ui.langBtn.setAttribute("aria-label", t("langLabel"));
  ui.logEl.setAttribute("aria-label", t("log"));
  ui.input.placeholder = t("placeholder");
  ui.inputLabel.textContent = t("inputLabel");
  ui.sendBtn.setAttribute("aria-label", t("send"));
  ui.humanLabel.textContent = t("human");
  ui.verifiedEl.textContent = t("signedIn");
  ui.typingText.textContent = t("typing");
  ui.welcomeWho.textContent = t("bot");
  ui.welcomeBubble.textContent = t("welcome");
  state.labels[HUMAN_PAYLOAD] = t("human");
  relabelAll();
  renderStatus();
}

export function setLanguage(lang) {
  if (lang !== "vi" && lang !== "en") return;
  state.lang = lang;
  save(config.prefix + "lang", lang);
  applyLanguage(); // the widget's own labels switch at once
  tellHubLanguage(lang).catch(function () {});
}

// The hub answers the open conversation in the chosen language from the next message on,
// and sends back a token carrying it, so a conversation opened later starts in it too.
async function tellHubLanguage(lang) {
  if (socketReady()) {
    state.socket.send(JSON.stringify({ type: "language", language: lang })); // a "token" frame follows
    return;
  }
  if (!state.token) {
    await startSession(); // no session yet: the new one is opened in this language
    return;
  }
  var res = await fetch(config.base + "/api/widget/language", {
    method: "POST",
    headers: authHeaders({ "Content-Type": "application/json" }),
    body: JSON.stringify({ language: lang }),
  });
  if (res.status === 401) {
    state.token = null; // no longer accepted: a new session, opened in this language
    await startSession();
    return;
  }
  if (!res.ok) throw new Error("language " + res.status);
  var data = await res.json();
  setToken(data.token, data.expires_in);
  ui.root.setAttribute("data-hub-lang", data.language);
}
