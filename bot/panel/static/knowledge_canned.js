// Canned replies in the knowledge workspace: the list, and a form to write a reply in both
// languages with the variables the hub fills (click a variable to insert it at the caret).

import { del, get, post, put } from "./api.js";
import "./canned-i18n.js";
import { fill, h } from "./dom.js";
import { getLang, t } from "./i18n.js";

const state = { selected: null };

function insertAtCaret(area, text) {
  if (!area) return;
  const start = area.selectionStart ?? area.value.length;
  const end = area.selectionEnd ?? start;
  area.value = area.value.slice(0, start) + text + area.value.slice(end);
  area.focus();
  area.setSelectionRange(start + text.length, start + text.length);
}

function form(reply, variables, app, redraw) {
  const isNew = !reply.id;
  let lastArea = null;
  const area = (name, value) => h("textarea", {
    name, rows: 4, maxlength: 2000, required: true, value: value || "", onfocus: (e) => { lastArea = e.target; },
  });
  const node = h("form", {
    class: "canned-form", id: "canned-form",
    onsubmit: async (e) => {
      e.preventDefault();
      const f = new FormData(e.target);
      const body = {
        shortcut: String(f.get("shortcut")).trim(), title_vi: String(f.get("title_vi")), title_en: String(f.get("title_en")),
        text_vi: String(f.get("text_vi")), text_en: String(f.get("text_en")), active: f.get("active") === "on",
      };
      try {
        const saved = isNew ? await post("/api/canned-replies", body) : await put(`/api/canned-replies/${reply.id}`, body);
        state.selected = saved;
        app.toast(t("canned_saved", { shortcut: saved.shortcut }), "ok");
        await redraw();
      } catch (err) {
        app.toast(t("error", { detail: err.message }), "error");
      }
    },
  },
  h("label", { class: "field" }, h("span", {}, t("canned_shortcut")),
    h("input", { name: "shortcut", required: true, pattern: "[a-z0-9-]+", maxlength: 40, value: reply.shortcut || "" })),
  h("label", { class: "field" }, h("span", {}, t("canned_active")),
    h("input", { name: "active", type: "checkbox", checked: reply.active !== false })),
  h("label", { class: "field" }, h("span", {}, t("canned_title_vi")), h("input", { name: "title_vi", required: true, maxlength: 120, value: reply.title_vi || "" })),
  h("label", { class: "field" }, h("span", {}, t("canned_title_en")), h("input", { name: "title_en", required: true, maxlength: 120, value: reply.title_en || "" })),
  h("label", { class: "field" }, h("span", {}, t("canned_text_vi")), area("text_vi", reply.text_vi)),
  h("label", { class: "field" }, h("span", {}, t("canned_text_en")), area("text_en", reply.text_en)),
  h("div", { style: { "grid-column": "1 / -1" } },
    h("span", { class: "muted" }, t("canned_variables")),
    h("div", { class: "canned-vars" }, variables.map((v) => h("button", {
      type: "button", class: "chip", title: getLang() === "en" ? v.en : v.vi, dataset: { variable: v.name },
      onmousedown: (e) => e.preventDefault(), // keep the caret in the text being written
      onclick: () => insertAtCaret(lastArea, `{{${v.name}}}`),
    }, `{{${v.name}}}`)))),
  h("div", { class: "kb-actions", style: { "grid-column": "1 / -1" } },
    h("button", { type: "submit", class: "btn btn-primary btn-sm", id: "canned-save" }, t("canned_save")),
    isNew ? null : h("button", { type: "button", class: "btn btn-ghost btn-sm", id: "canned-delete", onclick: async () => {
      try {
        await del(`/api/canned-replies/${reply.id}`);
        state.selected = null;
        app.toast(t("canned_deleted"), "ok");
        await redraw();
      } catch (err) {
        app.toast(t("error", { detail: err.message }), "error");
      }
    } }, t("canned_delete"))));
  return node;
}

export async function renderCanned(body, app) {
  const redraw = () => renderCanned(body, app);
  let data;
  try {
    data = await get("/api/canned-replies");
  } catch (err) {
    fill(body, h("p", { class: "empty" }, t("error", { detail: err.message })));
    return;
  }
  const en = getLang() === "en";
  const selected = state.selected && data.replies.find((r) => r.id === state.selected.id);
  fill(body, h("section", { class: "kb-page" },
    h("h2", {}, t("canned_title")),
    h("p", { class: "muted" }, t("canned_intro")),
    h("div", { class: "kb-actions" },
      h("button", { type: "button", class: "btn btn-sm", id: "canned-new", onclick: () => { state.selected = {}; redraw(); } }, t("canned_new"))),
    data.replies.length === 0 ? h("p", { class: "empty" }, t("canned_empty")) : h("ul", { class: "kb-canned" }, data.replies.map((r) => h("li", {
      dataset: { shortcut: r.shortcut },
    },
    h("button", { type: "button", class: "btn btn-ghost btn-sm", onclick: () => { state.selected = r; redraw(); } }, `/${r.shortcut}`),
    " ", en ? r.title_en : r.title_vi, " ",
    r.active ? null : h("span", { class: "chip" }, t("canned_inactive")),
    r.variables.map((v) => h("span", { class: "chip chip-blue" }, v))))),
    state.selected ? form(selected || state.selected, data.variables, app, redraw) : null));
}
