// The assist column's data: suggestions and offers as they arrive (by fetch or live event),
// and what the agent does with them (insert, dismiss, offer outcome), recorded for feedback.

import { get, post, record } from "./api.js";
import { renderOffer, renderSuggestions } from "./assist.js";
import { t } from "./i18n.js";
import { app, el, fail } from "./panel_app.js";

export async function loadAssist(convId) {
  try {
    const data = await get(`/api/conversations/${convId}/assist`);
    if (!app.state.current || app.state.current.id !== convId) return;
    applySuggestions(data.suggestions || [], data.message_id ?? null);
    applyOffer(data.offer || null, Boolean(data.churn_risk));
  } catch (err) {
    // Older hubs (or a conversation with no customer message yet) have no assist state.
  }
}

export function applySuggestions(suggestions, messageId) {
  // The panel records what the agent sees and does with suggestions: "shown" when the
  // column draws them (assist.js), then inserted, dismissed, sent, sent_edited.
  const assist = app.state.assist;
  // Searches finish out of order; answers to an older message must not replace newer ones.
  if (assist.message_id !== null && (messageId === null || messageId < assist.message_id)) return false;
  assist.suggestions = suggestions.slice(0, 3);
  assist.message_id = messageId;
  assist.dismissed = new Set();
  return true;
}

export function applyOffer(offer, churn) {
  const assist = app.state.assist;
  const same = offer && assist.offer && offer.rule_id === assist.offer.rule_id && offer.offer_id === assist.offer.offer_id;
  if (!same) assist.offerOutcome = null;
  assist.offer = offer;
  assist.churn_risk = churn;
}

app.insertSuggestion = (sug, rank) => {
  const box = el("reply");
  const current = app.state.current;
  if (!box || !current) return;
  const answer = sug.answer || "";
  box.value = box.value.trim() ? `${box.value.trimEnd()}\n\n${answer}` : answer;
  app.state.inserted = { conversation_id: current.id, entry_id: sug.entry_id, answer, rank, message_id: app.state.assist.message_id };
  record("/api/suggestions/feedback", {
    conversation_id: current.id, message_id: app.state.assist.message_id, entry_id: sug.entry_id, rank, event: "inserted",
  });
  if (!box.disabled) {
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }
};

app.dismissSuggestion = (sug, rank) => {
  const current = app.state.current;
  app.state.assist.dismissed.add(sug.entry_id);
  record("/api/suggestions/feedback", {
    conversation_id: current.id, message_id: app.state.assist.message_id, entry_id: sug.entry_id, rank, event: "dismissed",
  });
  renderSuggestions(el("suggestions"), app);
};

app.offerOutcome = async (offer, outcome) => {
  const current = app.state.current;
  try {
    await post("/api/offers/outcome", { conversation_id: current.id, rule_id: offer.rule_id, offer_id: offer.offer_id, outcome });
    app.state.assist.offerOutcome = outcome;
    app.toast(t("outcome_saved", { outcome: t(outcome) }), "ok");
    renderOffer(el("offer"), app);
  } catch (err) {
    fail(err);
  }
};
