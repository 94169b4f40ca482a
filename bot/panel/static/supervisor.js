// Supervision tab: alerts, offer acceptance per rule, and call-backs.

import { get, post } from "./api.js";
import { fill, h } from "./dom.js";
import { alertIcon } from "./icons.js";
import { locale, t, windowOf } from "./i18n.js";

function rowsOf(data) {
  if (Array.isArray(data)) return data;
  for (const key of ["rules", "rows", "report", "items"]) if (data && Array.isArray(data[key])) return data[key];
  return [];
}

function pct(value) {
  return value === null || value === undefined ? "—" : `${Math.round(Number(value) * 100)}%`;
}

/** Offer acceptance per rule, with a bar so the weak rules stand out. */
function offerTable(rows) {
  if (!rows.length) return h("p", { class: "empty" }, t("report_empty"));
  const columns = ["shown", "accepted", "declined", "not_relevant"];
  return h("table", { class: "report" },
    h("thead", {}, h("tr", {}, h("th", {}, t("rule")), columns.map((c) => h("th", { class: "num" }, t(c === "shown" ? "shown" : c))), h("th", {}, t("acceptance")))),
    h("tbody", {}, rows.map((r) => h("tr", {},
      h("td", { class: "mono" }, r.rule_id),
      columns.map((c) => h("td", { class: "num" }, String(r[c] ?? 0))),
      h("td", {}, h("div", { class: "confidence" },
        h("div", { class: "bar" }, h("div", { class: "bar-fill bar-high", style: { width: pct(r.acceptance_rate).replace("—", "0%") } })),
        h("span", { class: "pct" }, pct(r.acceptance_rate))))))));
}

export async function renderSupervisor(container, app) {
  const [alerts, report, callbacks] = await Promise.all([
    get("/api/alerts").catch(() => ({ alerts: [] })),
    get("/api/reports/offers").catch((err) => ({ error: err.message })),
    get("/api/callbacks?status=scheduled").catch(() => ({ callbacks: [] })),
  ]);
  const alertList = alerts.alerts || [];
  const cbs = callbacks.callbacks || [];
  const setStatus = async (id, status) => {
    try {
      await post(`/api/callbacks/${id}`, { status });
      renderSupervisor(container, app);
    } catch (err) {
      app.toast(t("error", { detail: err.message }), "error");
    }
  };
  fill(container,
    h("section", { class: "card sup-card" }, h("h3", {}, t("alerts")),
      alertList.length
        ? h("ul", { class: "alerts" }, alertList.map((a) => h("li", { class: `alert alert-${a.kind}` },
          alertIcon(), h("span", { class: "chip" }, a.kind), h("span", {}, a.text),
          a.conversation_id ? h("button", { class: "btn btn-sm btn-ghost", onclick: () => app.openConversation(a.conversation_id, true) }, `#${a.conversation_id}`) : null,
          h("time", {}, new Date(a.created_at).toLocaleString(locale())))))
        : h("p", { class: "empty" }, t("alerts_empty"))),
    h("section", { class: "card sup-card" }, h("h3", {}, t("offer_report")),
      report.error ? h("p", { class: "empty" }, t("error", { detail: report.error })) : offerTable(rowsOf(report))),
    h("section", { class: "card sup-card" }, h("h3", {}, t("callbacks_all")),
      cbs.length
        ? h("table", { class: "report" }, h("tbody", {}, cbs.map((cb) => h("tr", {},
          h("td", {}, cb.reference), h("td", {}, cb.customer_id || "—"), h("td", {}, cb.phone),
          h("td", {}, windowOf(cb.window_start, cb.window_end)), h("td", {}, cb.escalated ? "⚠" : ""),
          h("td", {}, h("button", { class: "btn btn-sm", onclick: () => setStatus(cb.id, "done") }, t("mark_done")),
            h("button", { class: "btn btn-sm btn-ghost", onclick: () => setStatus(cb.id, "missed") }, t("mark_missed")))))))
        : h("p", { class: "empty" }, t("none"))));
}
