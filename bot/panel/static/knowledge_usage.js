// Usage per entry (suggestion events, bot answers, CSAT), stale entries, corpus versions
// with rollback, and the audit trail.

import { get, post } from "./api.js";
import { fill, h } from "./dom.js";
import { label, t } from "./i18n.js";
import { known } from "./labels.js";
import { kbState, when } from "./knowledge_common.js";

const COLUMNS = ["shown", "inserted", "sent", "sent_edited", "dismissed", "bot_answers"];

export async function renderUsage(body) {
  let report;
  try {
    report = await get("/api/knowledge/usage");
  } catch (err) {
    fill(body, h("p", { class: "empty" }, t("error", { detail: err.message })));
    return;
  }
  const days = report.stale_days;
  fill(body, h("section", { class: "kb-page" },
    h("h2", {}, t("usage_stale")),
    report.stale.length === 0 ? h("p", { class: "empty" }, t("stale_none")) : h("ul", { class: "kb-stale" }, report.stale.map((s) => h("li", { dataset: { entry: s.entry_id } },
      h("a", { href: "#", class: "kb-id", onclick: (e) => { e.preventDefault(); kbState.goto("entries", s.entry_id); } }, s.entry_id),
      s.reasons.map((r) => h("span", { class: "chip chip-amber" }, r === "unused" ? t("stale_unused", { days }) : t("stale_review_due")))))),
    h("h2", {}, t("kb_usage")),
    h("table", { class: "kb-usage" },
      h("thead", {}, h("tr", {}, h("th", {}, t("col_entry")), COLUMNS.map((c) => h("th", {}, t(c === "bot_answers" ? "col_bot" : `col_${c}`))), h("th", {}, t("col_csat")), h("th", {}, t("col_last_used")))),
      h("tbody", {}, report.entries.map((row) => h("tr", { dataset: { entry: row.entry_id } },
        h("td", { class: "kb-id" }, row.entry_id),
        COLUMNS.map((c) => h("td", { class: "num", dataset: { col: c } }, String(row[c]))),
        h("td", { class: "num", dataset: { col: "csat" } }, row.csat === null ? "—" : `${row.csat} (${row.csat_responses})`),
        h("td", {}, when(row.last_used_at))))))));
}

// A version's note is "<what> <entry ids>" ("upsert cards-fee, loans-rate", "build"):
// the first word is a code, the ids are the entries' own names.
function versionNote(note) {
  const [what, ...ids] = String(note || "").split(" ");
  return [known("version", what) || what, ...ids].join(" ");
}

export async function renderVersions(body, app, rerender) {
  let versions = [];
  let audit = [];
  try {
    [versions, audit] = await Promise.all([get("/api/knowledge/versions"), get("/api/knowledge/audit?limit=100")]);
  } catch (err) {
    fill(body, h("p", { class: "empty" }, t("error", { detail: err.message })));
    return;
  }
  fill(body, h("section", { class: "kb-page" },
    h("h2", {}, t("versions")),
    h("ul", { class: "kb-versions" }, versions.map((v) => h("li", { dataset: { version: String(v.version) } },
      h("strong", {}, `v${v.version}`),
      v.current ? h("span", { class: "chip chip-green" }, t("current")) : null,
      h("span", { class: "muted" }, when(v.created_at)),
      h("span", { class: "muted kb-note-text" }, versionNote(v.note)),
      v.current ? null : h("button", { type: "button", class: "btn btn-sm", dataset: { action: "rollback-corpus" }, onclick: async () => {
        if (!window.confirm(t("confirm_rollback_corpus", { v: v.version }))) return;
        try {
          await post(`/api/knowledge/versions/${v.version}/rollback`);
          app.toast(t("rolled_back", { v: v.version }), "ok");
          rerender();
        } catch (err) {
          app.toast(t("error", { detail: err.message }), "error");
        }
      } }, t("rollback_corpus"))))),
    h("h2", {}, t("audit")),
    h("ol", { class: "kb-audit" }, audit.map((a) => h("li", {},
      h("time", { class: "muted" }, when(a.at)),
      h("strong", { title: a.action, dataset: { code: a.action } }, label("audit", a.action)),
      a.entry_id ? h("span", { class: "kb-id" }, a.entry_id) : null,
      h("span", { class: "muted" }, a.actor || "—"))))));
}
