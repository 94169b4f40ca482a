// The customer behind a conversation: loading the profile, linking and unlinking the
// customer, and scheduling a call-back to the customer's phone.

import { get, post } from "./api.js";
import { updateConversation } from "./conversation.js";
import { callbackDialog, linkDialog, unlinkDialog } from "./dialogs.js";
import { t } from "./i18n.js";
import { app, el, fail } from "./panel_app.js";
import { upsertQueue } from "./queue_state.js";
import { renderAssist } from "./shell.js";

export async function loadProfile(customerId) {
  app.state.profile = null;
  app.state.profileError = null;
  if (!customerId) return;
  try {
    app.state.profile = await get(`/api/customers/${encodeURIComponent(customerId)}/profile`);
  } catch (err) {
    app.state.profileError = err.message;
  }
}

app.scheduleCallback = async (id) => {
  const phone = app.state.profile?.customer?.phone || "";
  const body = await callbackDialog(phone);
  if (!body) return;
  try {
    const cb = await post(`/api/conversations/${id}/callbacks`, body);
    app.toast(t("callback_done", { ref: cb.reference }), "ok");
    await loadProfile(app.state.current?.conversation.customer_id);
    renderAssist();
  } catch (err) {
    fail(err);
  }
};

/** After a link or an unlink: the conversation as the hub now has it, and its profile. */
async function customerChanged(conv) {
  const current = app.state.current;
  if (!current || current.id !== conv.id) return;
  current.conversation = conv;
  upsertQueue(conv);
  await loadProfile(conv.customer_id);
  updateConversation(el("conversation"), app);
  renderAssist();
}

app.linkCustomer = async (id) => {
  const values = await linkDialog();
  if (!values) return;
  try {
    await customerChanged(await post(`/api/conversations/${id}/customer`, { customer_id: values.customer_id.trim(), reason: values.reason.trim() }));
  } catch (err) {
    fail(err);
  }
};

app.unlinkCustomer = async (id) => {
  const values = await unlinkDialog();
  if (!values) return;
  try {
    await customerChanged(await post(`/api/conversations/${id}/customer/unlink`, { reason: values.reason.trim() }));
  } catch (err) {
    fail(err);
  }
};
