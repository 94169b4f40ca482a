// Knowledge-gap inbox: clusters of questions the bot or the suggestions could not answer,
// busiest and most recent first. One click turns a cluster into a draft entry.

import { get, post } from "./api.js";
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";
import { kbState, when } from "./knowledge_common.js";

export async function renderGaps(body, app) {
  let clusters = [];
  try {
    clusters = await get("/api/knowledge/gaps");
  } catch (err) {
    fill(body, h("p", { class: "empty" }, t("error", { detail: err.message })));
    return;
  }
  fill(body, h("section", { class: "kb-page" },
    h("h2", {}, t("kb_gaps")),
    clusters.length === 0 ? h("p", { class: "empty" }, t("gaps_empty")) : h("ul", { class: "kb-gaps" }, clusters.map((cluster) => h("li", { dataset: { cluster: String(cluster.id) } },
      h("div", { class: "kb-gap-head" },
        h("strong", { class: "gap-label" }, cluster.label),
        h("span", { class: "chip chip-blue gap-count", dataset: { count: String(cluster.count) } }, t("gap_count", { n: cluster.count })),
        cluster.languages.map((l) => h("span", { class: "chip" }, l)),
        Object.entries(cluster.sources).map(([source, n]) => h("span", { class: "chip chip-amber" }, `${t(`source_${source}`)} · ${n}`)),
        h("span", { class: "muted" }, t("gap_last", { at: when(cluster.last_seen_at) }))),
      h("ul", { class: "gap-phrasings" }, cluster.phrasings.map((p) => h("li", {}, p))),
      h("div", { class: "kb-actions" },
        cluster.draft_id
          ? h("button", { type: "button", class: "btn btn-sm", dataset: { action: "open-draft" }, onclick: async () => {
            const draft = await get(`/api/knowledge/drafts/${cluster.draft_id}`);
            kbState.goto("entries", draft.entry_id, draft.id);
          } }, t("open_draft"))
          : h("button", { type: "button", class: "btn btn-sm btn-primary", dataset: { action: "make-draft" }, onclick: async () => {
            try {
              const draft = await post(`/api/knowledge/gaps/${cluster.id}/draft`);
              app.toast(t("draft_made", { id: draft.entry_id }), "ok");
              kbState.goto("entries", draft.entry_id, draft.id);
            } catch (err) {
              app.toast(t("error", { detail: err.message }), "error");
            }
          } }, t("make_draft"))))))));
}
