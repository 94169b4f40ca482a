// Knowledge tab (knowledge managers and supervisors). Sub-views: entries with their drafts
// and history, the review queue, the knowledge-gap inbox, usage, versions and the audit
// trail, bulk import and export. Changes are drafts until a second person approves them
// (or the team publishes its own); published changes reach suggestions and the bot live.

import { get, post, put } from "./api.js";
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";
import "./knowledge_strings.js";
import { renderCanned } from "./knowledge_canned.js";
import { renderGaps } from "./knowledge_gaps.js";
import { renderSmart } from "./knowledge_smart.js";
import { renderReview } from "./knowledge_review.js";
import { renderTransfer } from "./knowledge_transfer.js";
import { renderUsage, renderVersions } from "./knowledge_usage.js";
import { diffBlock, fromLocalInput, kbState, statusChip, toLocalInput } from "./knowledge_common.js";

const SUBVIEWS = ["entries", "review", "gaps", "usage", "versions", "transfer", "canned", "smart"];
const OPEN_DRAFT = "draft,in_review,rejected,approved";
// Same rule as the server's entry id (knowledge/corpus.py ID_PATTERN). The hyphen is escaped:
// pattern attributes are compiled with the "v" flag, where a bare "-" in a class is invalid.
const ID_PATTERN = "[a-z0-9][a-z0-9\\-]{1,79}";

const state = kbState;

function entryTitle(entry) {
  const q = entry.questions || {};
  return (q.vi && q.vi[0]) || (q.en && q.en[0]) || entry.question || entry.id;
}

async function loadSettings() {
  if (!state.settings) {
    try {
      state.settings = await get("/api/knowledge/settings");
    } catch (err) {
      state.settings = { self_publish: false };
    }
  }
}

// Answers to list requests can land out of order (the first, unfiltered listing may finish
// after a search typed at once, and would replace its hits): only the latest is shown.
let listRequest = 0;

async function loadList() {
  const mine = ++listRequest;
  try {
    let entries;
    if (state.query.trim()) {
      const hits = await get(`/api/knowledge/search?q=${encodeURIComponent(state.query.trim())}`);
      entries = (hits || []).map((hit) => ({ ...hit, id: hit.id || hit.entry_id }));
    } else {
      entries = await get("/api/knowledge/entries");
    }
    const drafts = await get(`/api/knowledge/drafts?status=${OPEN_DRAFT}`);
    if (mine !== listRequest) return;
    state.entries = entries;
    state.draftIds = new Set(drafts.map((d) => d.entry_id));
    state.error = null;
  } catch (err) {
    if (mine !== listRequest) return;
    state.entries = [];
    state.error = err.message;
  }
}

/** Open an entry (or a draft of a new one) in the editor, with its open draft and history. */
export async function openEntry(entryId, draftId = null) {
  let entry = null;
  try {
    entry = await get(`/api/knowledge/entries/${encodeURIComponent(entryId)}`);
  } catch (err) {
    entry = null; // a new entry that exists only as a draft
  }
  let draft = null;
  if (draftId) {
    draft = await get(`/api/knowledge/drafts/${draftId}`);
  } else {
    const open = await get(`/api/knowledge/drafts?status=${OPEN_DRAFT}&entry_id=${encodeURIComponent(entryId)}`);
    draft = open.find((d) => d.action === "upsert") || null;
  }
  const history = entry || draft ? await get(`/api/knowledge/entries/${encodeURIComponent(entryId)}/history`) : [];
  state.selected = { id: entryId, entry, draft, history };
}

function lines(text) {
  return String(text || "").split("\n").map((l) => l.trim()).filter(Boolean);
}

function missingBadge(langs) {
  if (!langs || !langs.length) return null;
  return h("span", { class: "chip chip-amber kb-missing" }, t("missing_translation", { langs: langs.join(", ") }));
}

function contentFrom(form) {
  const v = Object.fromEntries(new FormData(form).entries());
  const content = {
    product: v.product.trim(),
    tags: v.tags.split(",").map((x) => x.trim()).filter(Boolean),
    questions: { vi: lines(v.q_vi), en: lines(v.q_en) },
    answer: { vi: v.a_vi.trim(), en: v.a_en.trim() },
  };
  if (v.review_at) content.review_at = v.review_at;
  const expires = fromLocalInput(v.expires_at);
  if (expires) content.expires_at = expires;
  return { id: v.id.trim(), content, publishAt: fromLocalInput(v.publish_at) };
}

function historyList(sel, app, rerender) {
  const items = sel.history || [];
  const restore = (rev, side) => async () => {
    if (!window.confirm(t("confirm_restore", { id: sel.id }))) return;
    try {
      await post(`/api/knowledge/entries/${encodeURIComponent(sel.id)}/rollback`, { revision_id: rev.id, side });
      app.toast(t("restored"), "ok");
      await openEntry(sel.id);
      await loadList();
      rerender();
    } catch (err) {
      app.toast(t("error", { detail: err.message }), "error");
    }
  };
  return h("section", { class: "kb-history-block" },
    h("h3", {}, t("history")),
    items.length === 0 ? h("p", { class: "empty" }, t("history_empty")) : h("ol", { class: "kb-history" }, items.map((rev, i) => h("li", { dataset: { revision: String(rev.id) } },
      h("div", { class: "kb-rev-head" },
        h("strong", {}, t(`kind_${rev.kind}`)),
        h("span", { class: "muted" }, rev.actor || "—"),
        h("time", { class: "muted" }, new Date(rev.at).toLocaleString()),
        // The newest change is what is live: restoring it would change nothing.
        i > 0 && rev.after ? h("button", { type: "button", class: "btn btn-sm", dataset: { action: "restore" }, onclick: restore(rev, "after") }, t("restore")) : null,
        rev.before ? h("button", { type: "button", class: "btn btn-sm", dataset: { action: "restore-before" }, onclick: restore(rev, "before") }, t("restore_before")) : null),
      diffBlock(rev.diff)))));
}

function editor(app, rerender) {
  const sel = state.selected;
  const isNew = !sel.entry && !sel.draft;
  const source = (sel.draft && sel.draft.content) || sel.entry || {};
  const q = source.questions || {};
  const a = source.answer || {};
  const draft = sel.draft;
  const form = h("form", { class: "kb-form" },
    draft ? h("p", { class: "kb-draft-note" }, t("editing_draft", { id: draft.id, status: t(`status_${draft.status}`) }), " ", statusChip(draft.status),
      draft.review_note ? h("span", { class: "muted" }, ` — ${draft.review_note}`) : null) : null,
    missingBadge(sel.entry && !draft ? sel.entry.missing_translation : draft && draft.missing_translation),
    h("div", { class: "field-row" },
      h("label", { class: "field" }, h("span", {}, t("entry_id")), h("input", { name: "id", value: sel.id || "", required: true, readonly: !isNew, pattern: ID_PATTERN, maxlength: 80 })),
      h("label", { class: "field" }, h("span", {}, t("product")), h("input", { name: "product", value: source.product || "", required: true }))),
    h("label", { class: "field" }, h("span", {}, t("tags")), h("input", { name: "tags", value: (source.tags || []).join(", ") })),
    h("div", { class: "field-row" },
      h("label", { class: "field" }, h("span", {}, t("questions_vi")), h("textarea", { name: "q_vi", rows: 4, value: (q.vi || []).join("\n") })),
      h("label", { class: "field" }, h("span", {}, t("questions_en")), h("textarea", { name: "q_en", rows: 4, value: (q.en || []).join("\n") }))),
    h("div", { class: "field-row" },
      h("label", { class: "field" }, h("span", {}, t("answer_vi")), h("textarea", { name: "a_vi", rows: 5, value: a.vi || "" })),
      h("label", { class: "field" }, h("span", {}, t("answer_en")), h("textarea", { name: "a_en", rows: 5, value: a.en || "" }))),
    h("div", { class: "field-row field-row-3" },
      h("label", { class: "field" }, h("span", {}, t("publish_at")), h("input", { name: "publish_at", type: "datetime-local", value: toLocalInput(draft && draft.publish_at) })),
      h("label", { class: "field" }, h("span", {}, t("expires_at")), h("input", { name: "expires_at", type: "datetime-local", value: toLocalInput(source.expires_at) })),
      h("label", { class: "field" }, h("span", {}, t("review_at")), h("input", { name: "review_at", type: "date", value: source.review_at || "" }))),
    h("div", { class: "kb-actions" },
      sel.entry ? h("button", { type: "button", class: "btn btn-danger", dataset: { action: "propose-delete" }, onclick: () => act("delete") }, t("propose_delete")) : null,
      h("button", { type: "button", class: "btn", dataset: { action: "save-draft" }, onclick: () => act("save") }, t("save_draft")),
      h("button", { type: "button", class: "btn btn-primary", dataset: { action: "submit" }, onclick: () => act("submit") }, t("submit_review")),
      state.settings && state.settings.self_publish ? h("button", { type: "button", class: "btn btn-primary", dataset: { action: "publish" }, onclick: () => act("publish") }, t("publish_now")) : null));

  async function save() {
    if (!form.reportValidity()) return null;
    const { id, content, publishAt } = contentFrom(form);
    const editable = draft && ["draft", "in_review", "rejected"].includes(draft.status);
    const saved = editable
      ? await put(`/api/knowledge/drafts/${draft.id}`, { content, publish_at: publishAt })
      : await post("/api/knowledge/drafts", { entry_id: id, content, publish_at: publishAt });
    state.selected = { ...sel, id, draft: saved };
    return saved;
  }

  async function act(kind) {
    try {
      if (kind === "delete") {
        if (!window.confirm(t("confirm_delete", { id: sel.id }))) return;
        const d = await post("/api/knowledge/drafts", { entry_id: sel.id, action: "delete" });
        await post(`/api/knowledge/drafts/${d.id}/submit`);
        app.toast(t("submitted"), "ok");
      } else {
        const saved = await save();
        if (!saved) return;
        if (kind === "save") {
          app.toast(t("draft_saved", { id: saved.id }), "ok");
        } else if (kind === "submit") {
          await post(`/api/knowledge/drafts/${saved.id}/submit`);
          app.toast(t("submitted"), "ok");
        } else {
          await post(`/api/knowledge/drafts/${saved.id}/publish`);
          app.toast(t("published"), "ok");
        }
      }
      await openEntry(state.selected.id);
      await loadList();
      rerender();
    } catch (err) {
      app.toast(t("error", { detail: err.message }), "error");
    }
  }

  return h("div", { class: "kb-editor" }, form, isNew ? null : historyList(sel, app, rerender));
}

function entriesView(container, app, rerender) {
  const search = h("input", { type: "search", class: "kb-search", placeholder: t("search"), value: state.query });
  let timer = null;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      state.query = search.value;
      await loadList();
      rerender();
      const again = container.querySelector(".kb-search");
      again.focus();
      again.setSelectionRange(again.value.length, again.value.length);
    }, 250);
  });
  const list = state.error
    ? h("p", { class: "empty" }, t("knowledge_unavailable"), h("br"), h("small", {}, state.error))
    : h("ul", { class: "kb-list" }, state.entries.map((entry) => h("li", {
      class: state.selected && state.selected.id === entry.id ? "active" : "",
      dataset: { id: entry.id },
      onclick: async () => {
        await openEntry(entry.id);
        rerender();
      },
    }, h("span", { class: "kb-id" }, entry.id), h("span", { class: "kb-q" }, entryTitle(entry)),
    h("span", { class: "kb-flags" },
      entry.missing_translation && entry.missing_translation.length ? h("span", { class: "chip chip-amber", title: t("missing_translation", { langs: entry.missing_translation.join(", ") }) }, `−${entry.missing_translation.join(",")}`) : null,
      state.draftIds.has(entry.id) ? h("span", { class: "chip chip-blue" }, t("draft_pending")) : null,
      entry.score !== undefined ? h("span", { class: "pct" }, `${Math.round(entry.score * 100)}%`) : null))));
  return [
    h("aside", { class: "kb-side" },
      h("div", { class: "kb-toolbar" }, search,
        h("button", { class: "btn btn-sm", dataset: { action: "new-entry" }, onclick: () => { state.selected = { id: "", entry: null, draft: null, history: [] }; rerender(); } }, t("new_entry"))),
      state.settings && state.settings.self_publish ? h("p", { class: "kb-note" }, t("self_publish_on")) : null,
      list),
    h("section", { class: "kb-main" },
      state.selected ? currentEditor(app, rerender) : h("p", { class: "placeholder" }, t("select_entry"))),
  ];
}

/** The open editor survives re-renders of the list (a search while editing keeps the
 * unsaved text); a new one is built only when the selection or its draft changes. */
function currentEditor(app, rerender) {
  const sel = state.selected;
  const key = JSON.stringify([sel.id, sel.draft && sel.draft.id, sel.draft && sel.draft.updated_at,
    sel.entry && sel.entry.updated_at, (sel.history || []).length, sel]);
  if (state.editorKey !== key || !state.editorNode) {
    state.editorKey = key;
    state.editorNode = editor(app, rerender);
  }
  return state.editorNode;
}

export async function renderKnowledge(container, app) {
  const rerender = () => draw(container, app, rerender);
  state.goto = async (sub, entryId = null, draftId = null) => {
    state.sub = sub;
    if (entryId) await openEntry(entryId, draftId);
    if (sub === "entries") await loadList();
    rerender();
  };
  await loadSettings();
  await loadList();
  rerender();
}

function draw(container, app, rerender) {
  const tabs = h("nav", { class: "kb-tabs" }, SUBVIEWS.map((sub) => h("button", {
    type: "button",
    class: `kb-tab${state.sub === sub ? " active" : ""}`,
    dataset: { sub },
    onclick: async () => {
      state.sub = sub;
      if (sub === "entries") await loadList();
      rerender();
    },
  }, t(`kb_${sub}`))));
  const body = h("div", { class: `kb-body kb-body-${state.sub}` });
  fill(container, tabs, body);
  if (state.sub === "entries") fill(body, entriesView(container, app, rerender));
  else if (state.sub === "review") renderReview(body, app, rerender);
  else if (state.sub === "gaps") renderGaps(body, app, rerender);
  else if (state.sub === "usage") renderUsage(body, app, rerender);
  else if (state.sub === "versions") renderVersions(body, app, rerender);
  else if (state.sub === "canned") renderCanned(body, app);
  else if (state.sub === "smart") renderSmart(body, app);
  else renderTransfer(body, app, rerender);
}
