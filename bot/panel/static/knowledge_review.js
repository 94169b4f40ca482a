// Review queue: drafts waiting for a second person, approved drafts waiting for their
// publication time, and the reviewer's actions on them.

import { get, post } from "./api.js";
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";
import { diffBlock, kbState, statusChip, when } from "./knowledge_common.js";

export async function renderReview(body, app, rerender) {
  let drafts = [];
  try {
    drafts = await get("/api/knowledge/drafts?status=in_review,approved,draft,rejected");
  } catch (err) {
    fill(body, h("p", { class: "empty" }, t("error", { detail: err.message })));
    return;
  }
  const me = kbState.settings && kbState.settings.user;
  const act = async (draft, step, payload) => {
    try {
      const out = await post(`/api/knowledge/drafts/${draft.id}/${step}`, payload);
      if (out.status === "published") app.toast(t("published"), "ok");
      else if (out.status === "approved") app.toast(t("scheduled", { at: when(out.publish_at) }), "ok");
      rerender();
    } catch (err) {
      app.toast(t("error", { detail: err.message }), "error");
    }
  };
  fill(body, h("section", { class: "kb-page" },
    h("h2", {}, t("kb_review")),
    drafts.length === 0 ? h("p", { class: "empty" }, t("review_empty")) : h("ul", { class: "kb-drafts" }, drafts.map((draft) => h("li", { dataset: { draft: String(draft.id), entry: draft.entry_id } },
      h("div", { class: "kb-draft-head" },
        h("strong", { class: "kb-id" }, draft.entry_id),
        statusChip(draft.status),
        h("span", { class: "chip" }, t(`action_${draft.action}`)),
        h("span", { class: "muted" }, t("by_author", { name: draft.author })),
        draft.reviewer ? h("span", { class: "muted" }, t("by_reviewer", { name: draft.reviewer })) : null,
        draft.publish_at ? h("span", { class: "muted" }, `⏱ ${when(draft.publish_at)}`) : null,
        draft.missing_translation && draft.missing_translation.length ? h("span", { class: "chip chip-amber" }, t("missing_translation", { langs: draft.missing_translation.join(", ") })) : null),
      draft.problems ? h("p", { class: "kb-problem" }, draft.problems) : null,
      diffBlock(draft.diff),
      h("div", { class: "kb-actions" },
        h("button", { type: "button", class: "btn btn-sm", dataset: { action: "open" }, onclick: () => kbState.goto("entries", draft.entry_id, draft.id) }, t("open_draft")),
        draft.status === "in_review" && (draft.author !== me || (kbState.settings && kbState.settings.self_publish))
          ? h("button", { type: "button", class: "btn btn-sm", dataset: { action: "reject" }, onclick: () => {
            const note = window.prompt(t("reject_note"));
            if (note !== null) act(draft, "reject", { note });
          } }, t("reject")) : null,
        draft.status !== "approved" ? h("button", { type: "button", class: "btn btn-sm", dataset: { action: "withdraw" }, onclick: () => act(draft, "withdraw") }, t("withdraw")) : null,
        draft.status === "in_review" && (draft.author !== me || (kbState.settings && kbState.settings.self_publish))
          ? h("button", { type: "button", class: "btn btn-sm btn-primary", dataset: { action: "approve" }, onclick: () => act(draft, "approve") }, t("approve")) : null,
        draft.status === "approved" ? h("button", { type: "button", class: "btn btn-sm btn-primary", dataset: { action: "publish" }, onclick: () => act(draft, "publish") }, t("publish_now")) : null))))));
}
