// Wrap-up codes: the resolve dialog with the three codes the hub suggests first
// (bot/copilot/wrapup.py), and the supervisors' card that edits the list.

import { api, get, post } from "./api.js";
import { field, modal, resolveDialog } from "./dialogs.js";
import { h } from "./dom.js";
import { addStrings, getLang, t } from "./i18n.js";

addStrings({
  vi: {
    wrapup_suggested: "Gợi ý",
    wrapup_all: "Tất cả mã",
    wrapup_codes: "Mã kết thúc hội thoại",
    wrapup_code: "Mã",
    wrapup_desc_vi: "Mô tả (tiếng Việt)",
    wrapup_desc_en: "Mô tả (tiếng Anh)",
    wrapup_active: "Đang dùng",
    wrapup_add: "Thêm mã",
    wrapup_edit: "Sửa",
    wrapup_activate: "Bật",
    wrapup_deactivate: "Tắt",
    wrapup_code_hint: "chữ thường, số và _",
  },
  en: {
    wrapup_suggested: "Suggested",
    wrapup_all: "All codes",
    wrapup_codes: "Wrap-up codes",
    wrapup_code: "Code",
    wrapup_desc_vi: "Description (Vietnamese)",
    wrapup_desc_en: "Description (English)",
    wrapup_active: "Active",
    wrapup_add: "Add a code",
    wrapup_edit: "Edit",
    wrapup_activate: "Activate",
    wrapup_deactivate: "Deactivate",
    wrapup_code_hint: "lower case, digits and _",
  },
});

const describe = (code) => (getLang() === "vi" ? code.description_vi : code.description_en) || code.code;

/** The resolve dialog: the suggested codes as radio buttons (the first one checked), then
 * every active code in a list. Resolves with {code} or null. */
export async function wrapupDialog(conversationId) {
  let offer;
  try {
    offer = await get(`/api/conversations/${conversationId}/wrapup`);
  } catch (err) {
    return resolveDialog(); // the fixed list still closes the conversation
  }
  const byCode = Object.fromEntries(offer.codes.map((c) => [c.code, c]));
  const suggested = offer.suggested.filter((code) => byCode[code]);
  const radios = h("div", { class: "wrapup-suggested", role: "radiogroup", "aria-label": t("wrapup_suggested") },
    suggested.map((code, i) => h("label", { class: "wrapup-option" },
      h("input", { type: "radio", name: "suggested", value: code, checked: i === 0 }),
      h("span", {}, describe(byCode[code])), h("code", { class: "muted" }, code))));
  const select = h("select", { name: "other", class: "wrapup-all" },
    h("option", { value: "" }, "—"),
    offer.codes.map((c) => h("option", { value: c.code }, describe(c))));
  // Picking from the full list overrides the suggestion; picking a suggestion clears it.
  select.addEventListener("change", () => {
    if (select.value) radios.querySelectorAll("input").forEach((r) => { r.checked = false; });
  });
  radios.addEventListener("change", () => { select.value = ""; });
  const values = await modal(t("resolve_title"), [
    field(t("wrapup_suggested"), radios),
    field(t("wrapup_all"), select),
  ], {
    submitLabel: t("resolve"),
    validate: (v) => (v.other || v.suggested ? null : t("resolution_code")),
  });
  if (!values) return null;
  return { code: values.other || values.suggested };
}

function codeDialog(code = null) {
  return modal(code ? t("wrapup_edit") : t("wrapup_add"), [
    code ? null : field(`${t("wrapup_code")} (${t("wrapup_code_hint")})`,
      h("input", { name: "code", required: true, maxlength: 40, pattern: "[a-z0-9_]+" })),
    field(t("wrapup_desc_vi"), h("input", { name: "description_vi", required: true, maxlength: 200, value: code?.description_vi || "" })),
    field(t("wrapup_desc_en"), h("input", { name: "description_en", required: true, maxlength: 200, value: code?.description_en || "" })),
  ], { submitLabel: t("confirm") });
}

export async function loadWrapupCodes() {
  try {
    return await get("/api/wrapup-codes?include_inactive=true");
  } catch (err) {
    return { error: err.message };
  }
}

/** The supervisors' card: every code with its descriptions; add, edit, (de)activate. */
export function wrapupCodesCard(codes, app, refresh) {
  const act = async (work) => {
    try {
      await work();
      refresh();
    } catch (err) {
      app.toast(t("error", { detail: err.message }), "error");
    }
  };
  const add = () => act(async () => {
    const values = await codeDialog();
    if (values) await post("/api/wrapup-codes", { ...values, position: Array.isArray(codes) ? codes.length : 0 });
  });
  const edit = (code) => act(async () => {
    const values = await codeDialog(code);
    if (values) await api("PATCH", `/api/wrapup-codes/${code.code}`, values);
  });
  const toggle = (code) => act(() => api("PATCH", `/api/wrapup-codes/${code.code}`, { active: !code.active }));
  const body = codes.error
    ? h("p", { class: "empty" }, t("error", { detail: codes.error }))
    : h("table", { class: "report wrapup-codes" },
      h("thead", {}, h("tr", {}, h("th", {}, t("wrapup_code")), h("th", {}, t("wrapup_desc_vi")),
        h("th", {}, t("wrapup_desc_en")), h("th", {}, t("wrapup_active")), h("th", {}))),
      h("tbody", {}, codes.map((c) => h("tr", { dataset: { code: c.code }, class: c.active ? "" : "muted" },
        h("td", {}, h("code", {}, c.code)), h("td", {}, c.description_vi), h("td", {}, c.description_en),
        h("td", {}, c.active ? "✓" : "—"),
        h("td", {},
          h("button", { class: "btn btn-sm", onclick: () => edit(c) }, t("wrapup_edit")),
          h("button", { class: "btn btn-sm btn-ghost", onclick: () => toggle(c) }, c.active ? t("wrapup_deactivate") : t("wrapup_activate")))))));
  return h("section", { class: "card sup-card", id: "wrapup-codes" },
    h("h3", {}, t("wrapup_codes")),
    body,
    h("button", { class: "btn btn-sm", onclick: add }, t("wrapup_add")));
}
