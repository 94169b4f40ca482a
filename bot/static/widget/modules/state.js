/*
 * Owns the widget's mutable state (token, socket, connection flags, rendered messages),
 * shared by the other modules. initState() reads what a previous page view stored.
 */

import { config } from "./config.js";
import { load } from "./storage.js";

export const state = {
  lang: "vi",
  token: null,
  tokenExpires: 0, // Date.now() after which the hub no longer accepts the token
  resume: null,
  stopped: false, // the hub refused this page's identity for good: no more retries
  socket: null,
  attempts: 0,
  failedOpens: 0,
  fallback: false,
  // Whether the last HTTP call reached the hub: the HTTP fallback is "connected" only
  // while its calls succeed (null until one has been made).
  httpOk: null,
  everConnected: false, // a drop after a connection is "reconnecting", not "connecting"
  online: navigator.onLine !== false,
  reconnectTimer: null,
  pollTimer: null,
  httpBusy: false,
  open: false,
  unread: 0,
  verified: false,
  labels: {}, // button payload -> title, so a clicked payload reads as its title
  rendered: {}, // "m<id>" or "c<client id>" -> element
  typingTimer: null,
};

function pickLanguage() {
  var chosen = load(config.prefix + "lang", null);
  if (chosen === "vi" || chosen === "en") return chosen;
  var hint = (
    config.langHint ||
    document.documentElement.getAttribute("lang") ||
    navigator.language ||
    "vi"
  ).toLowerCase();
  return hint.indexOf("en") === 0 ? "en" : "vi";
}

export function initState() {
  state.lang = pickLanguage();
  state.resume = load(config.resumeKey, null);
  state.open = load(config.prefix + "open", false) === true;
}

// True while the websocket is open and the hub accepted its auth frame.
export function socketReady() {
  var ws = state.socket;
  return Boolean(ws && ws.ready && ws.readyState === WebSocket.OPEN);
}
