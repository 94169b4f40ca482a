// The live socket's events (conversation changes, messages, suggestions, offers, health,
// presence...): each one updates the state and redraws only what it touches.

import { applyOffer, applySuggestions } from "./assist_state.js";
import { renderOffer, renderSuggestions } from "./assist.js";
import { refusedText, showWindow } from "./channel_window.js";
import { appendMessage, updateConversation } from "./conversation.js";
import { refreshCurrent } from "./conversation_actions.js";
import { loadProfile } from "./customer_link.js";
import { t } from "./i18n.js";
import { app, el, fail } from "./panel_app.js";
import { renderQueue } from "./queue.js";
import { loadQueue, upsertQueue } from "./queue_state.js";
import { botHealthBadge, renderAssist, updatePresence } from "./shell.js";
import { renderSupervisor } from "./supervisor.js";
import { applySummary } from "./summary.js";

// A conversation's event reaches a panel twice when it has the conversation open (its
// topic and the agents' one): a refused delivery is told once per message.
const refusalsTold = new Set();

export function onEvent(event) {
  const current = app.state.current;
  const isCurrent = (id) => current && current.id === Number(id);
  switch (event.type) {
    case "conversation": {
      const conv = event.conversation;
      upsertQueue(conv);
      if (isCurrent(conv.id)) {
        const hadCustomer = current.conversation.customer_id;
        current.conversation = conv;
        updateConversation(el("conversation"), app);
        // Linked, relinked or unlinked (by the bot's check or an agent): show who it is now.
        if (hadCustomer !== conv.customer_id) {
          loadProfile(conv.customer_id).then(() => {
            if (!app.state.current || app.state.current.id !== conv.id) return;
            updateConversation(el("conversation"), app);
            renderAssist();
          });
        } else {
          renderAssist(); // how the customer is known may have changed
        }
      }
      break;
    }
    case "message": {
      const msg = event.message;
      if (isCurrent(msg.conversation_id)) {
        if (!current.messages.some((m) => m.id === msg.id)) current.messages.push(msg);
        appendMessage(el("conversation"), msg, app);
      } else if (msg.sender === "customer") {
        const mine = app.state.queue.mine.some((c) => c.id === msg.conversation_id);
        if (mine) {
          app.state.unread.add(msg.conversation_id);
          renderQueue(el("queue"), app);
        }
      }
      break;
    }
    case "assigned":
      if (event.needs_ack) app.toast(t("assigned_toast", { id: event.conversation_id }), "warn");
      loadQueue();
      break;
    case "alert":
      app.toast(event.text || event.kind, "warn");
      if (app.state.tab === "supervisor") renderSupervisor(el("view-supervisor"), app).catch(fail);
      break;
    case "suggestions":
      if (isCurrent(event.conversation_id)) {
        if (applySuggestions(event.suggestions || [], event.message_id ?? null)) {
          renderSuggestions(el("suggestions"), app);
        }
      }
      break;
    case "summary":
      applySummary(app, event);
      break;
    case "offer":
      if (isCurrent(event.conversation_id)) {
        applyOffer(event.offer || null, Boolean(event.churn_risk));
        renderOffer(el("offer"), app);
      }
      break;
    case "health": {
      app.botHealth = event.bot;
      const node = el("bot-health");
      if (node) node.replaceWith(botHealthBadge());
      break;
    }
    case "resync":
      // The hub lost and regained the other replicas' pushes: re-read, as after a reconnect.
      loadQueue();
      refreshCurrent().catch(fail);
      break;
    case "delivery_refused":
      // A stored reply Zalo or Messenger did not take (its window closed): say why.
      if (isCurrent(event.conversation_id) && !refusalsTold.has(event.message_id)) {
        refusalsTold.add(event.message_id);
        app.toast(refusedText(event), "error");
        showWindow(app);
      }
      break;
    case "presence":
      if (event.user === app.user.username && app.user.online !== event.online) {
        app.user.online = event.online;
        updatePresence();
      }
      break;
    default:
      break;
  }
}
