// Building blocks of the report views: the period picker, figure tiles, charts that switch
// to tables, CSV links and the ratings list. Numbers come from /api/reports/*.

import "./reports-i18n.js";
import { barChart, lineChart, switchable } from "./charts.js";
import { h } from "./dom.js";
import { label, locale, t } from "./i18n.js";

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const v = Number(seconds);
  if (v < 90) return `${Math.round(v)} s`;
  if (v < 5400) return `${Math.round(v / 60)} min`;
  return `${(v / 3600).toFixed(1)} h`;
}

export const percent = (v) => (v === null || v === undefined ? "—" : `${Math.round(Number(v) * 100)}%`);
const decimal = (digits) => (v) => (v === null || v === undefined ? "—" : Number(v).toFixed(digits));
const whole = (v) => (v === null || v === undefined ? "—" : String(Math.round(Number(v))));

// How each figure reads: durations, shares, scores or counts.
export const FORMATS = {
  first_response_s_mean: duration, first_response_s_p50: duration, bot_response_s_mean: duration,
  agent_response_s_mean: duration, handling_s_mean: duration, queue_wait_s_p50: duration,
  queue_wait_s_p90: duration, abandonment_rate: percent, containment_rate: percent,
  csat_top2_share: percent, suggestion_use_rate: percent, offer_acceptance: percent,
  csat_mean: decimal(2), transfers_per_conversation: decimal(2), nps: whole,
};
export const fmt = (key, value) => (FORMATS[key] || whole)(value);

/** The period query string of a view state: range=7d, or custom with dates. */
export function periodQuery(state) {
  const q = new URLSearchParams({ range: state.range });
  if (state.range === "custom") {
    q.set("start", state.start);
    q.set("end", state.end);
  }
  return q;
}

export function periodPicker(state, onChange) {
  const from = h("input", { type: "date", name: "start", value: state.start || "", "aria-label": t("range_from") });
  const to = h("input", { type: "date", name: "end", value: state.end || "", "aria-label": t("range_to") });
  return h("div", { class: "report-toolbar", role: "group" },
    ["today", "7d", "30d"].map((r) => h("button", {
      class: `btn btn-sm${state.range === r ? " on" : ""}`, "data-range": r, type: "button",
      onclick: () => onChange({ range: r }),
    }, t(`range_${r}`))),
    h("span", { class: "custom-range" }, t("range_custom"), from, to,
      h("button", {
        class: `btn btn-sm${state.range === "custom" ? " on" : ""}`, type: "button", "data-range": "custom",
        onclick: () => from.value && to.value && onChange({ range: "custom", start: from.value, end: to.value }),
      }, t("apply"))));
}

export function csvLink(path, query) {
  return h("a", { class: "btn btn-xs", href: `${path}?${query || ""}`, download: "" }, t("csv"));
}

export function tile(key, value, extra) {
  return h("div", { class: "kpi", id: `kpi-${key}`, "data-key": key },
    h("span", { class: "kpi-label" }, t(`m_${key}`)),
    h("strong", { class: "kpi-value" }, extra ?? fmt(key, value)));
}

/** A card holding a chart that switches to a table, with its own controls and CSV link. */
export function chartCard({ id, title, controls, chart, table, csv, state, onMode }) {
  const mode = state.modes[id] || "chart";
  const view = switchable({
    chart, table, mode, labels: { table: t("as_table"), chart: t("as_chart") },
    onMode: (m) => { state.modes[id] = m; onMode(); },
  });
  return h("section", { class: "card report-card", id: `card-${id}` },
    h("div", { class: "card-head" }, h("h3", {}, title), controls || null, view.toggle, csv || null),
    view.body);
}

export function seriesChart(points, key) {
  const data = points.map((p) => ({ label: new Date(`${p.day}T00:00:00`).toLocaleDateString(locale(), { day: "2-digit", month: "2-digit" }), value: p.figures[key] }));
  return lineChart(data, { format: (v) => fmt(key, v), label: t(`m_${key}`) });
}

export function seriesTable(points, keys) {
  return h("table", { class: "report" },
    h("thead", {}, h("tr", {}, h("th", {}, t("day")), keys.map((k) => h("th", { class: "num" }, t(`m_${k}`))))),
    h("tbody", {}, points.map((p) => h("tr", {}, h("td", {}, p.day),
      keys.map((k) => h("td", { class: "num" }, fmt(k, p.figures[k])))))));
}

// Breakdowns by a code (a hand-off reason, an intent, a channel, a language) are labelled
// in the panel's language; agents' names and hours come labelled from the hub.
const CODED = { reason: "reason", intent: "intent", channel: "channel", language: "lang" };

export function rowLabel(row, by) {
  return CODED[by] ? label(CODED[by], row.key) : row.label;
}

export function breakdownChart(rows, key, by) {
  return barChart(rows.map((r) => ({ label: rowLabel(r, by), value: r.figures[key] })), { format: (v) => fmt(key, v), label: t(`m_${key}`) });
}

export function breakdownTable(rows, keys, by) {
  return h("table", { class: "report" },
    h("thead", {}, h("tr", {}, h("th", {}, t(`by_${by}`)), keys.map((k) => h("th", { class: "num" }, t(`m_${k}`))))),
    h("tbody", {}, rows.map((r) => h("tr", {}, h("td", { title: r.key }, rowLabel(r, by)),
      keys.map((k) => h("td", { class: "num" }, fmt(k, r.figures[k])))))));
}

export function ratingsTable(ratings, withAgent) {
  if (!ratings.length) return h("p", { class: "empty" }, t("ratings_none"));
  return h("table", { class: "report ratings" },
    h("thead", {}, h("tr", {}, h("th", {}, "#"), withAgent ? h("th", {}, t("by_agent")) : null,
      h("th", { class: "num" }, "CSAT"), h("th", { class: "num" }, "NPS"), h("th", {}, t("comment")), h("th", {}, t("day")))),
    h("tbody", {}, ratings.map((r) => h("tr", { "data-conversation": r.conversation_id },
      h("td", { class: "mono" }, `#${r.conversation_id}`),
      withAgent ? h("td", {}, r.agent || "—") : null,
      h("td", { class: "num" }, r.csat === null ? "—" : `${r.csat} ★`),
      h("td", { class: "num" }, r.nps === null ? "—" : String(r.nps)),
      h("td", { class: "comment" }, r.comment || ""),
      h("td", {}, r.at ? new Date(r.at).toLocaleDateString(locale()) : "")))));
}

export function select(name, options, value, onChange, labelOf) {
  return h("select", { name, class: "report-select", onchange: (e) => onChange(e.target.value) },
    options.map((o) => h("option", { value: o, selected: o === value }, labelOf(o))));
}
