/*
 * Owns the live connection: the websocket (token in the first "auth" frame, never the
 * URL), reconnects with jittered backoff, the switch to HTTP polling when the network
 * blocks websockets, the frames the hub pushes (messages, token refreshes, typing,
 * resync, errors), and flush(), which sends the outbox over whichever path is up.
 */

import { config, MAX_BACKOFF_MS, POLL_MS } from "./config.js";
import { httpFlush } from "./http.js";
import { ui } from "./layout.js";
import { addMessage, markFailed, reasonFor, showTyping } from "./messages.js";
import { readOutbox } from "./outbox.js";
import { ensureSession, loadHistory, setToken } from "./session.js";
import { state } from "./state.js";
import { renderStatus } from "./status.js";

export function flush() {
  var items = readOutbox();
  if (!items.length) return;
  var ws = state.socket;
  if (ws && ws.ready && ws.readyState === WebSocket.OPEN) {
    items.forEach(function (item) {
      if (ws.sentIds[item.client_id]) return;
      ws.sentIds[item.client_id] = true;
      ws.send(JSON.stringify({ type: "message", text: item.text, client_id: item.client_id }));
    });
  } else if (state.fallback && state.online) {
    httpFlush();
  }
}

export function connect() {
  clearTimeout(state.reconnectTimer);
  if (state.socket || !state.online || state.stopped) return;
  ensureSession()
    .then(function () {
      if (state.socket) return;
      var ws = new WebSocket(config.wsBase + "/api/widget/ws");
      ws.sentIds = {};
      ws.ready = false; // true once the hub accepted the auth frame
      state.socket = ws;
      var opened = false;
      ws.onopen = function () {
        // The token goes in the first frame, not the URL, so no access log records it.
        ws.send(JSON.stringify({ type: "auth", token: state.token }));
      };
      ws.onready = function () {
        opened = true;
        ws.ready = true;
        state.everConnected = true;
        state.attempts = 0;
        state.failedOpens = 0;
        setFallback(false);
        renderStatus();
        flush();
        loadHistory(); // catch up on anything pushed while disconnected
      };
      ws.onmessage = function (event) {
        var frame;
        try {
          frame = JSON.parse(event.data);
        } catch (e) {
          return;
        }
        onFrame(frame, ws);
      };
      ws.onclose = function (event) {
        if (state.socket === ws) state.socket = null;
        // 4401: the hub refused the token (expired, or a rotated key): a new session next.
        if (event && event.code === 4401) state.token = null;
        // A refused handshake is a blocked network or a token the hub no longer accepts;
        // the HTTP fallback tells them apart (a 401 there starts a new session).
        if (!opened) state.failedOpens += 1;
        // Two failed opens in a row: the network blocks websockets; use HTTP meanwhile.
        if (state.failedOpens >= 2) setFallback(true);
        renderStatus();
        scheduleReconnect();
      };
    })
    .catch(function () {
      state.failedOpens += 1;
      state.httpOk = false; // no session: the hub could not be reached over HTTP either
      renderStatus();
      scheduleReconnect();
    });
}

function scheduleReconnect() {
  clearTimeout(state.reconnectTimer);
  if (!state.online) return; // the "online" event reconnects
  var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, state.attempts));
  delay = delay / 2 + Math.random() * (delay / 2); // jitter spreads a reconnect storm
  state.attempts += 1;
  state.reconnectTimer = setTimeout(connect, delay);
}

export function setFallback(on) {
  if (state.fallback === on) return;
  state.fallback = on;
  clearInterval(state.pollTimer);
  if (on) {
    state.pollTimer = setInterval(function () {
      if (!state.online) return;
      httpFlush().then(function () { return loadHistory(false); });
    }, POLL_MS);
    httpFlush().then(function () { return loadHistory(false); });
  }
}

function onFrame(frame, ws) {
  if (frame.type === "ready") {
    ws.onready();
  } else if (frame.type === "token") {
    // The hub's refresh before the old one expires, or after a language switch.
    setToken(frame.token, frame.expires_in);
  } else if (frame.type === "language") {
    ui.root.setAttribute("data-hub-lang", frame.language); // the hub answers in it now
  } else if (frame.type === "message") {
    addMessage(frame.message);
  } else if (frame.type === "typing") {
    if (frame.sender !== "customer") showTyping();
  } else if (frame.type === "resync") {
    loadHistory(); // the hub may have missed pushes for this thread (another replica's)
  } else if (frame.type === "ack") {
    addMessage(frame.message);
  } else if (frame.type === "error") {
    if (frame.client_id) markFailed(String(frame.client_id), reasonFor(frame.code, frame.retry_after));
    else console.warn("Tandem widget:", frame.detail);
  }
}
