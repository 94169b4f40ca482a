// Smart replies to review: short replies agents sent in several resolved conversations.
// Approved ones are offered to agents for similar customer messages; rejected ones never.

import { get, post } from "./api.js";
import "./canned-i18n.js";
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";

export async function renderSmart(body, app) {
  const redraw = () => renderSmart(body, app);
  let pending;
  let approved;
  try {
    [pending, approved] = await Promise.all([
      get("/api/smart-replies?status=pending"), get("/api/smart-replies?status=approved"),
    ]);
  } catch (err) {
    fill(body, h("p", { class: "empty" }, t("error", { detail: err.message })));
    return;
  }
  const act = (r, decision) => async () => {
    try {
      await post(`/api/smart-replies/${r.id}/review`, { decision });
      await redraw();
    } catch (err) {
      app.toast(t("error", { detail: err.message }), "error");
    }
  };
  const row = (r, actions) => h("li", { dataset: { id: String(r.id) } },
    h("strong", { class: "smart-text" }, r.reply_text), " ",
    h("span", { class: "chip" }, r.language), " ",
    h("span", { class: "chip chip-blue" }, t("smart_support", { n: r.support })),
    h("p", { class: "muted" }, `“${r.customer_text}”`),
    actions ? h("div", { class: "kb-actions" },
      h("button", { type: "button", class: "btn btn-primary btn-sm", dataset: { action: "approve" }, onclick: act(r, "approve") }, t("smart_approve")),
      h("button", { type: "button", class: "btn btn-ghost btn-sm", dataset: { action: "reject" }, onclick: act(r, "reject") }, t("smart_reject"))) : null);
  fill(body, h("section", { class: "kb-page" },
    h("h2", {}, t("kb_smart")),
    h("p", { class: "muted" }, t("smart_intro")),
    h("div", { class: "kb-actions" }, h("button", { type: "button", class: "btn btn-sm", id: "smart-mine", onclick: async () => {
      try {
        const out = await post("/api/smart-replies/mine");
        app.toast(t("smart_mined", { n: out.added }), "ok");
        await redraw();
      } catch (err) {
        app.toast(t("error", { detail: err.message }), "error");
      }
    } }, t("smart_mine"))),
    h("h3", {}, t("smart_status_pending")),
    pending.replies.length ? h("ul", { class: "kb-smart-pending" }, pending.replies.map((r) => row(r, true))) : h("p", { class: "empty" }, t("smart_empty")),
    h("h3", {}, t("smart_status_approved")),
    h("ul", { class: "kb-smart-approved" }, approved.replies.map((r) => row(r, false)))));
}
