// The queue's data: loading it from the hub, folding live conversation changes into it,
// and redrawing the queue column (queue.js draws it).

import { get } from "./api.js";
import { t } from "./i18n.js";
import { showLogin } from "./login.js";
import { TABS, app, el, fail } from "./panel_app.js";
import { renderQueue } from "./queue.js";

// ---- queue -------------------------------------------------------------------------------
function stamp(conv) {
  return { ...conv, _received: Date.now() };
}

export async function loadQueue() {
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
export function reloadQueueSoon() {
  // Several changes in a burst (a requeue and the next offer) make one request.
  clearTimeout(queueReload);
  queueReload = setTimeout(loadQueue, 150);
}

export function upsertQueue(conv) {
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
