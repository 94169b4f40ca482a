/*
 * Owns the connection status line: which of online / fallback / reconnecting /
 * connecting / offline the header shows (and data-connection on the root), and the
 * record of whether the last HTTP call reached the hub.
 */

import { ui } from "./layout.js";
import { socketReady, state } from "./state.js";
import { t } from "./strings.js";

export function renderStatus() {
  var open = socketReady();
  var key = !state.online
    ? "offline"
    : open
      ? "online"
      : state.fallback && state.httpOk
        ? "fallback"
        : state.fallback || state.everConnected
          ? "reconnecting"
          : "connecting";
  ui.statusEl.textContent = t(key);
  ui.root.setAttribute("data-connection", key);
}

export function noteHttp(ok) {
  state.httpOk = ok;
  if (ok) state.everConnected = true;
  renderStatus();
}
