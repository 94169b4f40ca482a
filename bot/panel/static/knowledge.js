// Knowledge tab (knowledge managers and supervisors): list, search and edit FAQ entries
// through the knowledge API. Saved changes are re-indexed by the hub and apply live.

import { del, get, put } from "./api.js";
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";

const state = { entries: [], selected: null, query: "", error: null };

function asList(data, ...keys) {
  if (Array.isArray(data)) return data;
  for (const key of keys) if (data && Array.isArray(data[key])) return data[key];
  return [];
}

function entryTitle(entry) {
  const q = entry.questions || {};
  return (q.vi && q.vi[0]) || (q.en && q.en[0]) || entry.question || entry.id || entry.entry_id;
}

async function loadList() {
  try {
    if (state.query.trim()) {
      const data = await get(`/api/knowledge/search?q=${encodeURIComponent(state.query.trim())}`);
      state.entries = asList(data, "results", "hits", "entries").map((hit) => ({ ...hit, id: hit.id || hit.entry_id }));
    } else {
      state.entries = asList(await get("/api/knowledge/entries"), "entries", "items");
    }
    state.error = null;
  } catch (err) {
    state.entries = [];
    state.error = err.message;
  }
}

function lines(text) {
  return String(text || "").split("\n").map((l) => l.trim()).filter(Boolean);
}

function editor(entry, app, rerender) {
  const isNew = !entry.id;
  const q = entry.questions || {};
  const a = entry.answer || {};
  const form = h("form", { class: "kb-form" },
    h("div", { class: "field-row" },
      h("label", { class: "field" }, h("span", {}, t("entry_id")), h("input", { name: "id", value: entry.id || "", required: true, readonly: !isNew, pattern: "[a-z0-9][a-z0-9-]*" })),
      h("label", { class: "field" }, h("span", {}, t("product")), h("input", { name: "product", value: entry.product || "", required: true }))),
    h("label", { class: "field" }, h("span", {}, t("tags")), h("input", { name: "tags", value: (entry.tags || []).join(", ") })),
    h("div", { class: "field-row" },
      h("label", { class: "field" }, h("span", {}, t("questions_vi")), h("textarea", { name: "q_vi", rows: 4, value: (q.vi || []).join("\n") })),
      h("label", { class: "field" }, h("span", {}, t("questions_en")), h("textarea", { name: "q_en", rows: 4, value: (q.en || []).join("\n") }))),
    h("div", { class: "field-row" },
      h("label", { class: "field" }, h("span", {}, t("answer_vi")), h("textarea", { name: "a_vi", rows: 6, value: a.vi || "" })),
      h("label", { class: "field" }, h("span", {}, t("answer_en")), h("textarea", { name: "a_en", rows: 6, value: a.en || "" }))),
    h("div", { class: "kb-actions" },
      isNew ? null : h("button", { type: "button", class: "btn btn-danger", onclick: async () => {
        if (!window.confirm(t("confirm_delete", { id: entry.id }))) return;
        try {
          await del(`/api/knowledge/entries/${encodeURIComponent(entry.id)}`);
          app.toast(t("deleted"), "ok");
          state.selected = null;
          await loadList();
          rerender();
        } catch (err) {
          app.toast(t("error", { detail: err.message }), "error");
        }
      } }, t("delete")),
      h("button", { type: "submit", class: "btn btn-primary" }, t("save"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const v = Object.fromEntries(new FormData(form).entries());
    const body = {
      ...entry,
      id: v.id.trim(),
      product: v.product.trim(),
      tags: v.tags.split(",").map((x) => x.trim()).filter(Boolean),
      questions: { vi: lines(v.q_vi), en: lines(v.q_en) },
      answer: { vi: v.a_vi.trim(), en: v.a_en.trim() },
    };
    delete body.updated_at;
    try {
      const saved = await put(`/api/knowledge/entries/${encodeURIComponent(body.id)}`, body);
      state.selected = (saved && (saved.entry || saved)) || body;
      app.toast(t("saved"), "ok");
      await loadList();
      rerender();
    } catch (err) {
      app.toast(t("error", { detail: err.message }), "error");
    }
  });
  return form;
}

export async function renderKnowledge(container, app) {
  const rerender = () => draw(container, app, rerender);
  await loadList();
  rerender();
}

function draw(container, app, rerender) {
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
      onclick: async () => {
        try {
          const data = await get(`/api/knowledge/entries/${encodeURIComponent(entry.id)}`);
          state.selected = (data && (data.entry || data)) || entry;
        } catch (err) {
          state.selected = entry;
        }
        rerender();
      },
    }, h("span", { class: "kb-id" }, entry.id), h("span", { class: "kb-q" }, entryTitle(entry)),
    entry.score !== undefined ? h("span", { class: "pct" }, `${Math.round(entry.score * 100)}%`) : null)));
  fill(container,
    h("aside", { class: "kb-side" },
      h("div", { class: "kb-toolbar" }, search,
        h("button", { class: "btn btn-sm", onclick: () => { state.selected = { product: "credit-card", tags: [], questions: {}, answer: {} }; rerender(); } }, t("new_entry"))),
      list),
    h("section", { class: "kb-main" },
      state.selected ? editor(state.selected, app, rerender) : h("p", { class: "placeholder" }, t("select_entry"))));
}
