// The customer's mood on a queue card: the latest sentiment the hub scored
// (context.sentiment, bot/handoff/mood.py) and why a priority was raised
// (context.priority_because), in the panel's language.

import { h } from "./dom.js";
import { t } from "./i18n.js";

const ICONS = { negative: "☹", neutral: "😐", positive: "☺" };

/** A small badge with the latest sentiment; none before any customer message was scored. */
export function sentimentBadge(conv) {
  const verdict = (conv.context || {}).sentiment;
  if (!verdict || !ICONS[verdict.label]) return null;
  const level = verdict.strongly_negative ? "strong" : verdict.label;
  const name = t(verdict.strongly_negative ? "sentiment_strong" : `sentiment_${verdict.label}`);
  const cues = (verdict.cues || []).map((c) => `“${c}”`).join(", ");
  return h("span", {
    class: `q-mood mood-${level}`,
    dataset: { sentiment: verdict.label },
    title: cues ? `${t("sentiment")}: ${name} (${cues})` : `${t("sentiment")}: ${name}`,
  }, h("span", { "aria-hidden": "true" }, ICONS[verdict.label]), ` ${name}`);
}

/** Why the priority was raised, written for the agent; null when nothing raised it. */
export function raisedReason(conv) {
  const because = (conv.context || {}).priority_because;
  if (!because || !because.kind) return null;
  const text = because.kind === "sentiment"
    ? t("raised_upset", { cue: because.cue || "" })
    : because.text || "";
  return text ? h("div", { class: "q-raised", dataset: { raised: because.kind } }, text) : null;
}
