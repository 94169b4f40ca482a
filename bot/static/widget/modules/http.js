/*
 * Owns the HTTP fallback's sending: posting the outbox to the hub one message at a time
 * when websockets cannot connect, and mapping the hub's refusals (401, 413, 422, 429) to
 * a new session or a failed message.
 */

import { config } from "./config.js";
import { addMessage, markFailed, reasonFor } from "./messages.js";
import { readOutbox } from "./outbox.js";
import { authHeaders, ensureSession } from "./session.js";
import { state } from "./state.js";
import { noteHttp } from "./status.js";

export async function httpFlush() {
  if (state.httpBusy) return;
  state.httpBusy = true;
  try {
    await ensureSession();
    var items = readOutbox();
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      var res = await fetch(config.base + "/api/widget/messages", {
        method: "POST",
        headers: authHeaders({ "Content-Type": "application/json" }),
        body: JSON.stringify({ text: item.text, client_id: item.client_id }),
      });
      if (res.status === 401) {
        state.token = null;
        await ensureSession();
        break;
      }
      if (res.status === 429) {
        // Not received (sent too fast): shown by the message, not retried on its own.
        var limited = await res.json().catch(function () {
          return {};
        });
        markFailed(item.client_id, reasonFor("rate_limited", limited.retry_after));
        continue;
      }
      if (res.status === 413 || res.status === 422) {
        var body = await res.json().catch(function () {
          return {};
        });
        markFailed(item.client_id, res.status === 413 ? reasonFor("too_long") : body.detail || reasonFor("not_text"));
        continue;
      }
      if (!res.ok) {
        noteHttp(false);
        break; // the hub is struggling: keep the rest for the next try
      }
      noteHttp(true);
      var data = await res.json();
      addMessage(data.message);
      (data.replies || []).forEach(addMessage);
    }
  } catch (e) {
    noteHttp(false); // offline or the hub is down: the outbox keeps everything
  } finally {
    state.httpBusy = false;
  }
}
