// The workspace's controller: sign-in and session (start, password change, sign-out, the
// live socket), wiring the modules together. Views and the state they draw live in their own
// modules: shell.js (frame), queue_state.js, conversation_actions.js, customer_link.js,
// assist_state.js, live_events.js; shared state is in panel_app.js.

// The screens load first and in this order, as they always have: several register their
// strings (addStrings) when they load.
import { get, post, setCsrf } from "./api.js";
import "./assist.js";
import { installCanned } from "./canned.js";
import "./channel_window.js";
import "./conversation.js";
import { passwordDialog } from "./dialogs.js";
import "./dom.js";
import { getLang, setLang, t } from "./i18n.js";
import "./labels.js";
import "./icons.js";
import "./knowledge.js";
import "./performance.js";
import "./profile.js";
import { tickTimers } from "./queue.js";
import "./supervisor.js";
import "./summary.js";
import "./wrapup.js";
import { LiveSocket } from "./socket.js";
import { onEvent } from "./live_events.js";
import { onSignIn, showLogin } from "./login.js";
import { TABS, app, fail } from "./panel_app.js";
import { loadQueue } from "./queue_state.js";
import { refreshCurrent } from "./conversation_actions.js";
import { renderShell, setConnection, setShellActions, updatePresence } from "./shell.js";

async function togglePresence() {
  try {
    const data = await post("/api/agents/me/status", { online: !app.user.online });
    app.user.online = data.online;
    updatePresence();
    loadQueue();
  } catch (err) {
    fail(err);
  }
}

async function changePassword() {
  const values = await passwordDialog();
  if (!values) return;
  // The hub ends every session of the account, this page's socket included; the page gets a
  // new session in the answer and reconnects with it (see sessionEnded).
  app.passwordChange = post("/api/auth/password", { current_password: values.current, new_password: values.next });
  try {
    const data = await app.passwordChange;
    setCsrf(data.csrf_token);
    app.toast(t("password_changed"), "ok");
    connectSocket();
  } catch (err) {
    if (err.status === 403) app.toast(t("password_wrong"), "error");
    else if (err.status === 429) app.toast(t("too_many_attempts", { seconds: err.retryAfter || 1 }), "error");
    else fail(err);
  } finally {
    app.passwordChange = null;
  }
}

/** The socket closed for good: back to sign-in, unless this page already has a new session. */
async function sessionEnded() {
  if (app.passwordChange) await app.passwordChange.catch(() => null);
  try {
    const me = await get("/api/auth/me");
    setCsrf(me.csrf_token);
    connectSocket();
  } catch (err) {
    app.user = null;
    app.state.current = null;
    setCsrf(null);
    showLogin(t("session_ended"));
  }
}

function connectSocket() {
  app.socket?.close();
  app.socket = new LiveSocket({
    onEvent,
    onStatus: setConnection,
    onEnded: sessionEnded,
    onOpen: (reconnect) => {
      loadQueue();
      if (reconnect) refreshCurrent().catch(fail);
    },
  });
  if (app.state.current) app.socket.watching = app.state.current.id;
  app.socket.connect();
}

async function signOut() {
  try {
    await post("/api/auth/logout");
  } catch (err) {
    // Signing out locally still matters when the hub is unreachable.
  }
  app.socket?.close();
  app.user = null;
  app.state.current = null;
  setCsrf(null);
  showLogin();
}

function start(user, csrf) {
  app.user = user;
  setCsrf(csrf);
  app.state.tab = (TABS[user.role] || ["workspace"])[0];
  app.state.current = null;
  renderShell();
  connectSocket();
}

async function boot() {
  setLang(getLang());
  installCanned(app);
  setInterval(() => tickTimers(), 1000);
  try {
    const me = await get("/api/auth/me");
    start(me.user, me.csrf_token);
  } catch (err) {
    showLogin();
  }
}

onSignIn(start);
setShellActions({ togglePresence, changePassword, signOut });
boot();
