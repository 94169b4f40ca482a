// Supervision tab: the live wall, service figures with daily trends and breakdowns (each
// chart switches to a table and exports CSV), ratings, alerts, offers, call-backs, and who
// is signed in.

import { get, post } from "./api.js";
import { confirmDialog } from "./dialogs.js";
import { fill, h } from "./dom.js";
import { alertIcon } from "./icons.js";
import { loadLockouts, lockoutsCard } from "./identity_lockouts.js";
import { label, locale, t, windowOf } from "./i18n.js";
import { loadRouting, routingCard } from "./routing.js";
import { loadWrapupCodes, wrapupCodesCard } from "./wrapup.js";
import {
  breakdownChart, breakdownTable, chartCard, csvLink, duration, periodPicker, periodQuery,
  ratingsTable, select, seriesChart, seriesTable, tile,
} from "./reports.js";

const TREND_KEYS = [
  "csat_mean", "nps", "first_response_s_mean", "agent_response_s_mean", "handling_s_mean",
  "queue_wait_s_p90", "conversations", "handoffs", "abandonment_rate", "containment_rate",
];
const BREAKDOWN_KEYS = [
  "csat_mean", "csat_top2_share", "nps", "first_response_s_mean", "agent_response_s_mean",
  "handling_s_mean", "queue_wait_s_p50", "queue_wait_s_p90", "handoffs", "resolved",
  "transfers_per_conversation", "abandonment_rate", "suggestion_use_rate", "offer_acceptance",
];
const TILE_KEYS = [
  "first_response_s_mean", "agent_response_s_mean", "bot_response_s_mean", "handling_s_mean",
  "queue_wait_s_p50", "queue_wait_s_p90", "abandonment_rate", "containment_rate",
  "transfers_per_conversation", "csat_mean", "csat_top2_share", "nps", "suggestion_use_rate",
  "offer_acceptance",
];
const DIMENSIONS = ["agent", "channel", "language", "reason", "intent", "hour"];

const view = { range: "7d", start: "", end: "", trend: "csat_mean", by: "agent", bar: "csat_mean", modes: {} };
let liveTimer = null;

// Where the customers in the queue and with agents are writing from, now.
function channelTable(channels) {
  if (!channels.length) return null;
  return h("table", { class: "report live-channels" },
    h("thead", {}, h("tr", {}, h("th", {}, t("by_channel")), h("th", { class: "num" }, t("m_queue_length")),
      h("th", { class: "num" }, t("live_assigned")), h("th", { class: "num" }, t("m_longest_wait")))),
    h("tbody", {}, channels.map((c) => h("tr", { "data-channel": c.channel },
      h("td", {}, label("channel", c.channel)), h("td", { class: "num" }, String(c.waiting)),
      h("td", { class: "num" }, String(c.assigned)), h("td", { class: "num" }, duration(c.longest_wait_s))))));
}

function liveWall(wall) {
  const breaches = wall.breaches || [];
  return h("section", { class: "card report-card live-wall", id: "live-wall" },
    h("div", { class: "card-head" }, h("h3", {}, t("live_wall")), csvLink("/api/reports/live.csv")),
    h("div", { class: "kpis" },
      tile("agents_available", null, String(wall.agents_available)),
      tile("agents_busy", null, String(wall.agents_busy)),
      tile("agents_away", null, String(wall.agents_away)),
      tile("queue_length", null, String(wall.queue_length)),
      tile("longest_wait", null, duration(wall.longest_wait_s))),
    channelTable(wall.channels || []),
    h("ul", { class: "presence-list" }, (wall.agents || []).map((a) => h("li", { class: `st-${a.status}` },
      h("span", { class: "dot" }), a.name, h("span", { class: "muted" }, ` ${t(`status_${a.status}`)}${a.open ? ` · ${a.open}` : ""}`)))),
    h("h4", {}, t("breaches")),
    breaches.length
      ? h("table", { class: "report breaches" }, h("tbody", {}, breaches.map((b) => h("tr", { class: `breach-${b.kind}` },
        h("td", {}, t(`breach_${b.kind}`)), h("td", { class: "mono" }, b.conversation_id ? `#${b.conversation_id}` : "—"),
        h("td", { class: "num" }, duration(b.seconds))))))
      : h("p", { class: "empty" }, t("breaches_none")));
}

async function renderReports(container, app) {
  const q = periodQuery(view);
  const [summary, series, breakdown, ratings, wall] = await Promise.all([
    get(`/api/reports/summary?${q}`),
    get(`/api/reports/series?${q}`),
    get(`/api/reports/breakdown?${q}&by=${view.by}`),
    get("/api/reports/ratings"),
    get("/api/reports/live"),
  ]);
  const f = summary.figures;
  const rerender = () => renderReports(container, app).catch((err) => app.toast(t("error", { detail: err.message }), "error"));
  const points = series.points || [];
  fill(container,
    h("div", { class: "report-head" },
      periodPicker(view, (next) => { Object.assign(view, next); rerender(); }),
      h("button", { class: "btn btn-sm", id: "reports-refresh", type: "button", onclick: rerender }, t("refresh"))),
    liveWall(wall),
    h("section", { class: "card report-card", id: "card-figures" },
      h("div", { class: "card-head" }, h("h3", {}, t("figures")), csvLink("/api/reports/summary.csv", q)),
      h("div", { class: "kpis" }, TILE_KEYS.map((k) => tile(k, f[k])),
        tile("callbacks", null, `${f.callbacks_kept} / ${f.callbacks_missed} / ${f.callbacks_overdue}`),
        tile("suggestions", null, `${f.suggestions_shown} / ${f.suggestions_inserted} / ${f.suggestions_sent} / ${f.suggestions_sent_edited}`),
        tile("csat_responses", f.csat_responses), tile("nps_responses", f.nps_responses),
        tile("conversations", f.conversations), tile("handoffs", f.handoffs))),
    chartCard({
      id: "trend", title: t("trend"), state: view, onMode: rerender,
      controls: select("trend-metric", TREND_KEYS, view.trend, (v) => { view.trend = v; rerender(); }, (k) => t(`m_${k}`)),
      chart: seriesChart(points, view.trend),
      table: seriesTable(points, TREND_KEYS),
      csv: csvLink("/api/reports/series.csv", q),
    }),
    chartCard({
      id: "breakdown", title: t("breakdown"), state: view, onMode: rerender,
      controls: h("span", { class: "controls" },
        select("breakdown-by", DIMENSIONS, view.by, (v) => { view.by = v; rerender(); }, (k) => t(`by_${k}`)),
        select("breakdown-metric", BREAKDOWN_KEYS, view.bar, (v) => { view.bar = v; rerender(); }, (k) => t(`m_${k}`))),
      chart: (breakdown.rows || []).length ? breakdownChart(breakdown.rows, view.bar, view.by) : h("p", { class: "empty" }, t("report_empty")),
      table: breakdownTable(breakdown.rows || [], BREAKDOWN_KEYS, view.by),
      csv: csvLink("/api/reports/breakdown.csv", `${q}&by=${view.by}`),
    }),
    h("section", { class: "card report-card", id: "card-ratings" },
      h("div", { class: "card-head" }, h("h3", {}, t("ratings")), csvLink("/api/reports/ratings.csv")),
      ratingsTable(ratings.ratings || [], true)));
  clearInterval(liveTimer);
  // The wall is "now": it refreshes itself while the tab is on screen.
  liveTimer = setInterval(async () => {
    const node = document.getElementById("live-wall");
    if (!node || !node.isConnected) { clearInterval(liveTimer); return; }
    try { node.replaceWith(liveWall(await get("/api/reports/live"))); } catch (err) { /* next tick */ }
  }, 10000);
}

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

/** Signed-in people, each with "sign out everywhere", and one button for everyone. */
function sessionsCard(users, container, app) {
  const revoke = async (question, path) => {
    if (!(await confirmDialog(question, t("sign_out_everywhere")))) return;
    try {
      const data = await post(path);
      app.toast(t("signed_out_count", { count: data.ended }), "ok");
      renderOperations(container, app);
    } catch (err) {
      app.toast(t("error", { detail: err.message }), "error");
    }
  };
  return h("section", { class: "card sup-card", id: "sessions" }, h("h3", {}, t("sessions")),
    users.length
      ? h("table", { class: "report" }, h("tbody", {}, users.map((u) => h("tr", { "data-user": u.username },
        h("td", {}, u.display_name), h("td", { class: "mono" }, u.username),
        h("td", { class: "num" }, t("session_count", { count: u.sessions })),
        h("td", {}, h("button", {
          class: "btn btn-sm btn-ghost sign-out-user",
          onclick: () => revoke(t("sign_out_user_confirm", { name: u.display_name }), `/api/users/${encodeURIComponent(u.username)}/sessions/revoke`),
        }, t("sign_out_everywhere")))))))
      : h("p", { class: "empty" }, t("sessions_empty")),
    h("button", {
      class: "btn btn-sm", id: "sign-out-everyone",
      onclick: () => revoke(t("sign_out_everyone_confirm"), "/api/sessions/revoke"),
    }, t("sign_out_everyone")));
}

export async function renderSupervisor(container, app) {
  const reports = h("div", { class: "reports", id: "reports" });
  const rest = h("div", { class: "sup-rest" });
  fill(container, reports, rest);
  await Promise.all([
    renderReports(reports, app).catch((err) => fill(reports, h("p", { class: "empty" }, t("error", { detail: err.message })))),
    renderOperations(rest, app),
  ]);
}

async function renderOperations(container, app) {
  const [alerts, report, callbacks, sessions, lockouts, routing, wrapupCodes] = await Promise.all([
    get("/api/alerts").catch(() => ({ alerts: [] })),
    get("/api/reports/offers").catch((err) => ({ error: err.message })),
    get("/api/callbacks?status=scheduled").catch(() => ({ callbacks: [] })),
    get("/api/sessions").catch(() => ({ users: [] })),
    loadLockouts(),
    loadRouting(),
    loadWrapupCodes(),
  ]);
  const alertList = alerts.alerts || [];
  const cbs = callbacks.callbacks || [];
  const setStatus = async (id, status) => {
    try {
      await post(`/api/callbacks/${id}`, { status });
      renderOperations(container, app);
    } catch (err) {
      app.toast(t("error", { detail: err.message }), "error");
    }
  };
  fill(container,
    h("section", { class: "card sup-card" }, h("h3", {}, t("alerts")),
      alertList.length
        ? h("ul", { class: "alerts" }, alertList.map((a) => h("li", { class: `alert alert-${a.kind}` },
          alertIcon(), h("span", { class: "chip", title: a.kind }, label("alert", a.kind)), h("span", {}, a.text),
          a.conversation_id ? h("button", { class: "btn btn-sm btn-ghost", onclick: () => app.openConversation(a.conversation_id, true) }, `#${a.conversation_id}`) : null,
          h("time", {}, new Date(a.created_at).toLocaleString(locale())))))
        : h("p", { class: "empty" }, t("alerts_empty"))),
    routingCard(routing, app, () => renderOperations(container, app)),
    lockoutsCard(lockouts, app, () => renderOperations(container, app)),
    wrapupCodesCard(wrapupCodes, app, () => renderOperations(container, app)),
    h("section", { class: "card sup-card" }, h("h3", {}, t("offer_report")),
      report.error ? h("p", { class: "empty" }, t("error", { detail: report.error })) : offerTable(rowsOf(report))),
    h("section", { class: "card sup-card" }, h("h3", {}, t("callbacks_all")),
      cbs.length
        ? h("table", { class: "report" }, h("tbody", {}, cbs.map((cb) => h("tr", {},
          h("td", {}, cb.reference), h("td", {}, cb.customer_id || "—"), h("td", {}, cb.phone),
          h("td", {}, windowOf(cb.window_start, cb.window_end)), h("td", {}, cb.escalated ? "⚠" : ""),
          h("td", {}, h("button", { class: "btn btn-sm", onclick: () => setStatus(cb.id, "done") }, t("mark_done")),
            h("button", { class: "btn btn-sm btn-ghost", onclick: () => setStatus(cb.id, "missed") }, t("mark_missed")))))))
        : h("p", { class: "empty" }, t("none"))),
    sessionsCard(sessions.users || [], container, app));
}
