// What agents do with a conversation: open it, claim, acknowledge, decline, assign,
// transfer, resolve, and send a reply; and re-reading the open one after a change.

import { post, get, record } from "./api.js";
import { loadAssist } from "./assist_state.js";
import { showWindow } from "./channel_window.js";
import { appendMessage, renderConversation, updateComposer, updateConversation } from "./conversation.js";
import { loadProfile } from "./customer_link.js";
import { assignDialog, transferDialog } from "./dialogs.js";
import { t } from "./i18n.js";
import { app, el, emptyAssist, fail } from "./panel_app.js";
import { renderQueue } from "./queue.js";
import { loadQueue } from "./queue_state.js";
import { renderAssist, showTab } from "./shell.js";
import { wrapupDialog } from "./wrapup.js";

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
export async function refreshCurrent() {
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
