// The agent's own results: their CSAT and NPS, their speed, the customers' comments, and
// the trend day by day, so each person sees the feedback on their own work.

import { get } from "./api.js";
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";
import {
  chartCard, csvLink, periodPicker, periodQuery, ratingsTable, seriesChart, seriesTable, tile,
} from "./reports.js";

const TILE_KEYS = [
  "csat_mean", "csat_top2_share", "csat_responses", "nps", "first_response_s_mean",
  "agent_response_s_mean", "handling_s_mean", "resolved",
];
const view = { range: "30d", start: "", end: "", modes: {} };

export async function renderPerformance(container, app) {
  const q = periodQuery(view);
  const data = await get(`/api/reports/me?${q}`);
  const rerender = () => renderPerformance(container, app).catch((err) => app.toast(t("error", { detail: err.message }), "error"));
  const f = data.figures;
  fill(container,
    h("div", { class: "reports" },
      h("div", { class: "report-head" },
        h("h2", {}, `${t("my_results")} · ${data.agent}`),
        periodPicker(view, (next) => { Object.assign(view, next); rerender(); }),
        h("button", { class: "btn btn-sm", id: "reports-refresh", type: "button", onclick: rerender }, t("refresh"))),
      h("section", { class: "card report-card", id: "card-figures" },
        h("div", { class: "card-head" }, h("h3", {}, t("figures")), csvLink("/api/reports/me.csv", q)),
        h("div", { class: "kpis" }, TILE_KEYS.map((k) => tile(k, f[k])))),
      chartCard({
        id: "my-trend", title: t("my_trend"), state: view, onMode: rerender,
        chart: seriesChart(data.points || [], "csat_mean"),
        table: seriesTable(data.points || [], ["csat_mean", "csat_responses", "nps", "resolved"]),
        csv: csvLink("/api/reports/me.csv", q),
      }),
      h("section", { class: "card report-card", id: "card-ratings" },
        h("div", { class: "card-head" }, h("h3", {}, t("ratings"))),
        ratingsTable(data.ratings || [], false))));
}
