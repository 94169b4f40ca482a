// The customer profile card, with a small stacked bar chart of spend by category per month.

import { fill, h, s } from "./dom.js";
import { label, locale, t, windowOf } from "./i18n.js";

const PALETTE = ["#2563eb", "#e8a317", "#0d9488", "#db2777", "#7c3aed", "#64748b", "#16a34a", "#ea580c"];

function money(value) {
  const n = Number(value) || 0;
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} tỷ`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}tr`;
  if (n >= 1e3) return `${Math.round(n / 1e3)}k`;
  return String(n);
}

/** Stacked bars: one per month, one segment per category; drawn as plain SVG. */
export function spendChart(spend) {
  const months = spend.months || [];
  const categories = Object.keys(spend.categories || {});
  if (!months.length || !categories.length) return h("p", { class: "muted" }, t("none"));
  const totals = months.map((_, i) => categories.reduce((sum, c) => sum + (Number(spend.categories[c][i]) || 0), 0));
  const max = Math.max(1, ...totals);
  const width = 300;
  const height = 120;
  const top = 14;
  const bottom = 18;
  const slot = width / months.length;
  const barW = Math.min(44, slot * 0.55);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, class: "spend-chart", role: "img", "aria-label": t("spend") });
  months.forEach((month, i) => {
    let y = height - bottom;
    const x = i * slot + (slot - barW) / 2;
    categories.forEach((cat, ci) => {
      const value = Number(spend.categories[cat][i]) || 0;
      if (!value) return;
      const barH = (value / max) * (height - top - bottom);
      y -= barH;
      svg.appendChild(s("rect", { x, y, width: barW, height: Math.max(barH, 0.5), fill: PALETTE[ci % PALETTE.length] },
        s("title", {}, `${month} · ${label("spend", cat)}: ${money(value)}`)));
    });
    svg.appendChild(s("text", { x: x + barW / 2, y: y - 3, "text-anchor": "middle", class: "chart-total" }, money(totals[i])));
    svg.appendChild(s("text", { x: x + barW / 2, y: height - 4, "text-anchor": "middle", class: "chart-label" }, String(month)));
  });
  const shares = spend.shares || {};
  const legend = h("ul", { class: "legend" }, categories.map((cat, ci) => h("li", {},
    h("span", { class: "swatch", style: { background: PALETTE[ci % PALETTE.length] } }),
    h("span", { class: "legend-label", title: cat }, label("spend", cat)),
    shares[cat] !== undefined ? h("span", { class: "share" }, `${Math.round(shares[cat] * 100)}%`) : null)));
  return h("div", { class: "chart" }, svg, legend);
}

function stars(score) {
  const n = Math.max(0, Math.min(5, Number(score) || 0));
  return h("span", { class: `stars csat-${n}`, title: `CSAT ${n}/5` }, "★".repeat(n) + "☆".repeat(5 - n));
}

function dateOf(iso) {
  return iso ? new Date(iso).toLocaleDateString(locale()) : "";
}


function block(title, content) {
  return h("div", { class: "profile-block" }, h("h4", {}, title), content);
}

/** The agent working the conversation, or a supervisor (bot/permissions.py decides). */
function canLink(app, conv) {
  return app.user.role === "supervisor" || (app.user.role === "agent" && conv.assigned_to === app.user.id);
}

/** How the hub knows who the customer is: signed in, the bot's checks, or an agent's link. */
function linkedHow(conv) {
  if (!conv.verified_by) return null;
  const how = label("verified_by", conv.verified_by) || conv.verified_by;
  const text = conv.verified_by === "agent"
    ? t("customer_linked_by", { how, agent: conv.linked_by || "?", reason: conv.link_reason || "" })
    : how;
  return h("p", { class: `profile-how how-${conv.verified_by}`, dataset: { verifiedBy: conv.verified_by } }, text);
}

function linkControl(app, conv) {
  if (!canLink(app, conv)) return null;
  return conv.customer_id
    ? h("button", { class: "btn btn-ghost btn-sm", "data-action": "unlink-customer", onclick: () => app.unlinkCustomer(conv.id) }, t("customer_unlink"))
    : h("button", { class: "btn btn-ghost btn-sm", "data-action": "link-customer", onclick: () => app.linkCustomer(conv.id) }, t("customer_link"));
}

export function renderProfile(container, app) {
  const current = app.state.current;
  const profile = app.state.profile;
  if (!current) {
    container.replaceChildren();
    return;
  }
  const conv = current.conversation;
  if (!conv.customer_id) {
    fill(container, h("h3", {}, t("profile")), h("p", { class: "empty" }, t("profile_none")), linkControl(app, conv));
    return;
  }
  if (!profile) {
    fill(container, h("h3", {}, t("profile")), linkedHow(conv),
      h("p", { class: "empty" }, app.state.profileError ? t("profile_unavailable") : "…"), linkControl(app, conv));
    return;
  }
  const c = profile.customer || {};
  const convs = (profile.conversations || []).filter((pc) => pc.id !== current.id);
  const callbacks = profile.callbacks || [];
  const csat = profile.csat || [];
  fill(container,
    h("h3", {}, t("profile")),
    h("div", { class: "profile-id" },
      h("div", { class: "avatar" }, (c.name || "?").trim().split(/\s+/).pop().slice(0, 1)),
      h("div", {},
        h("div", { class: "profile-name" }, c.name || c.id || ""),
        h("div", { class: "profile-sub" },
          [c.id, c.segment ? `${t("segment")}: ${label("segment", c.segment)}` : null, c.tenure_years !== undefined ? `${t("tenure")}: ${t("years", { n: c.tenure_years })}` : null, c.phone]
            .filter(Boolean).join(" · ")))),
    h("div", { class: "profile-link" }, linkedHow(conv), linkControl(app, conv)),
    block(t("products"), h("div", { class: "chips" }, (c.products || []).map((p) => h("span", { class: "chip", title: p, dataset: { code: p } }, label("product", p))))),
    block(t("spend"), spendChart(profile.spend || {})),
    block(t("past_conversations"), convs.length
      ? h("ul", { class: "history" }, convs.map((pc) => h("li", {},
        h("span", { class: "h-date" }, dateOf(pc.created_at)),
        h("span", { class: "chip" }, label("code", pc.resolution_code) || "—"),
        pc.csat ? stars(pc.csat) : null,
        h("div", { class: "h-summary" }, pc.summary || ""))))
      : h("p", { class: "muted" }, t("none"))),
    block(t("open_callbacks"), callbacks.length
      ? h("ul", { class: "history" }, callbacks.map((cb) => h("li", {},
        h("span", { class: "chip" }, cb.reference || `CB-${cb.id}`),
        h("span", {}, windowOf(cb.window_start, cb.window_end)),
        h("span", { class: "muted" }, cb.phone || ""))))
      : h("p", { class: "muted" }, t("none"))),
    block(t("csat_history"), csat.length
      ? h("ul", { class: "csat-list" }, csat.map((x) => h("li", {}, h("span", { class: "h-date" }, dateOf(x.at)), stars(x.score))))
      : h("p", { class: "muted" }, t("none"))));
}
