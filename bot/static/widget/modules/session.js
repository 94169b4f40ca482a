/*
 * Owns the visitor's session with the hub: opening it (signed customer, resume token or
 * a new anonymous visitor), the short-lived bearer token and its early renewal, and
 * reading the thread's history. The hub, not the browser, names an anonymous visitor.
 */

import { config } from "./config.js";
import { ui } from "./layout.js";
import { addMessage } from "./messages.js";
import { state } from "./state.js";
import { noteHttp } from "./status.js";
import { save } from "./storage.js";

export function authHeaders(headers) {
  headers = headers || {};
  headers.Authorization = "Bearer " + state.token;
  return headers;
}

async function openSession(withIdentity) {
  var body = { site: config.site, language: state.lang };
  if (withIdentity) {
    body.customer_id = config.customerId;
    body.signature = config.signature;
  } else if (typeof state.resume === "string") {
    body.resume = state.resume;
  }
  return fetch(config.base + "/api/widget/session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

export async function ensureSession() {
  // A token about to expire is replaced before use rather than refused mid-request.
  return state.token && Date.now() < state.tokenExpires ? true : startSession();
}

export function setToken(token, expiresIn) {
  state.token = token;
  // Renew early (a minute, or half the lifetime if shorter), so a request in flight never
  // carries an expired token.
  var seconds = expiresIn || 0;
  state.tokenExpires = Date.now() + Math.max(seconds / 2, seconds - 60) * 1000;
}

export async function startSession() {
  var res = await openSession(Boolean(config.customerId && config.signature));
  if (res.status === 403) {
    // The page's identity did not verify: chat on as an anonymous visitor.
    console.warn("Tandem widget: customer identity rejected; continuing anonymously.");
    res = await openSession(false);
  }
  if (res.status === 422 && state.resume) {
    state.resume = null; // a corrupted stored resume token: start afresh
    res = await openSession(false);
  }
  if (res.status === 404) {
    // The hub does not know this site: retrying cannot help.
    state.stopped = true;
    console.warn("Tandem widget: the hub does not know site " + config.site + ".");
  }
  if (!res.ok) throw new Error("session " + res.status);
  var data = await res.json();
  setToken(data.token, data.expires_in);
  state.verified = Boolean(data.customer_id);
  ui.verifiedEl.hidden = !state.verified;
  if (data.resume) {
    state.resume = data.resume;
    save(config.resumeKey, data.resume);
  }
  return true;
}

export async function loadHistory(retried) {
  if (!state.token) return;
  var res;
  try {
    res = await fetch(config.base + "/api/widget/history", { headers: authHeaders() });
  } catch (e) {
    noteHttp(false); // the hub cannot be reached
    return;
  }
  noteHttp(res.status < 500);
  if (res.status === 401 && !retried) {
    state.token = null; // the hub no longer accepts it (e.g. a rotated key): start afresh
    await ensureSession();
    return loadHistory(true);
  }
  if (!res.ok) return;
  var data = await res.json();
  (data.messages || []).forEach(addMessage);
  ui.root.setAttribute("data-conversation-state", data.state || "none");
}
