// The assist column's live parts: top-3 answer suggestions and the one offer (or the
// retention prompt when the customer is at risk of leaving).

import { record } from "./api.js";
import { fill, h } from "./dom.js";
import { flag } from "./icons.js";
import { loc, t } from "./i18n.js";
import { renderSmartReplies } from "./smart_reply.js";

function confidenceBar(score, confident) {
  const pct = Math.max(0, Math.min(100, Math.round((Number(score) || 0) * 100)));
  const level = confident ? "high" : pct >= 50 ? "mid" : "low";
  return h("div", { class: "confidence", title: `${t("confidence")}: ${pct}%` },
    h("div", { class: "bar" }, h("div", { class: `bar-fill bar-${level}`, style: { width: `${pct}%` } })),
    h("span", { class: "pct" }, `${pct}%`),
    confident ? h("span", { class: "tag tag-ok" }, t("confident")) : null);
}

function suggestionCard(sug, rank, app) {
  return h("li", { class: "suggestion", dataset: { entryId: sug.entry_id, rank } },
    h("div", { class: "sug-head" },
      h("span", { class: "sug-rank" }, String(rank + 1)),
      h("span", { class: "sug-matched", title: t("matched") }, sug.question || sug.entry_id),
      sug.lang ? flag(sug.lang) : null),
    h("p", { class: "sug-answer" }, sug.answer || ""),
    confidenceBar(sug.score, sug.confident),
    h("div", { class: "sug-actions" },
      h("button", { class: "btn btn-primary btn-sm", "data-action": "insert", onclick: () => app.insertSuggestion(sug, rank) }, t("insert")),
      h("button", { class: "btn btn-ghost btn-sm", "data-action": "dismiss", onclick: () => app.dismissSuggestion(sug, rank) }, t("dismiss"))));
}

// Suggestions this panel has recorded as shown ("conversation:message:entry"): one row per
// agent and suggestion, however often the column is drawn again.
const shownKeys = new Set();

function recordShown(app, list) {
  const current = app.state.current;
  const messageId = app.state.assist.message_id;
  if (!current || messageId === null || document.visibilityState === "hidden") return;
  list.forEach((sug) => {
    const key = `${current.id}:${messageId}:${sug.entry_id}`;
    if (shownKeys.has(key)) return;
    shownKeys.add(key);
    record("/api/suggestions/feedback", {
      conversation_id: current.id, message_id: messageId, entry_id: sug.entry_id,
      rank: sug.rank ?? 0, event: "shown",
    });
  });
}

export function renderSuggestions(container, app) {
  const assist = app.state.assist;
  const list = (assist.suggestions || []).filter((s) => !assist.dismissed.has(s.entry_id)).slice(0, 3);
  recordShown(app, list);
  fill(container,
    h("h3", {}, t("suggestions")),
    list.length
      ? h("ol", { class: "suggestions" }, list.map((s) => suggestionCard(s, s.rank ?? assist.suggestions.indexOf(s), app)))
      : h("p", { class: "empty" }, t("suggestions_empty")),
    h("div", { id: "smart-reply-slot" }));
  renderSmartReplies(container.querySelector("#smart-reply-slot"), app);
}

export function renderOffer(container, app) {
  const { offer, churn_risk: churn, offerOutcome } = app.state.assist;
  const parts = [];
  if (churn) {
    parts.push(h("div", { class: "churn", role: "status" },
      h("span", { class: "churn-badge" }, t("churn_risk")),
      h("span", { class: "churn-hint" }, t("churn_hint"))));
  }
  if (offer) {
    const kind = offer.kind === "retention" ? "retention" : "cross_sell";
    const outcomes = ["accepted", "declined", "not_relevant"];
    parts.push(h("article", { class: `offer offer-${kind}`, dataset: { ruleId: offer.rule_id, offerId: offer.offer_id } },
      h("div", { class: "offer-head" },
        h("span", { class: `tag tag-${kind}` }, t(kind)),
        h("h4", {}, loc(offer.title) || offer.offer_id)),
      loc(offer.pitch) ? h("p", { class: "offer-pitch" }, loc(offer.pitch)) : null,
      h("p", { class: "offer-reason" }, h("strong", {}, `${t("why")}: `), loc(offer.reason)),
      offerOutcome
        ? h("p", { class: "offer-done" }, t("outcome_saved", { outcome: t(offerOutcome) }))
        : h("div", { class: "offer-actions" }, outcomes.map((o) => h("button", {
          class: `btn btn-sm ${o === "accepted" ? "btn-success" : "btn-ghost"}`,
          "data-outcome": o,
          onclick: () => app.offerOutcome(offer, o),
        }, t(o))))));
  }
  if (!parts.length) {
    container.hidden = true;
    container.replaceChildren();
    return;
  }
  container.hidden = false;
  fill(container, h("h3", {}, t("offer")), parts);
}
