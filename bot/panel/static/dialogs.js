// Modal forms (transfer, call-back, resolve, assign, link a customer, password,
// confirmations) built on the native <dialog> element.

import { h } from "./dom.js";
import { label, RESOLUTION_CODES, t, TEAMS } from "./i18n.js";

/** Show a modal form; resolves with the form's values, or null when cancelled. */
export function modal(title, fields, { submitLabel = t("confirm"), validate } = {}) {
  return new Promise((resolve) => {
    const error = h("p", { class: "form-error", role: "alert" });
    const form = h("form", { method: "dialog", class: "dialog-form" },
      h("h2", {}, title),
      fields,
      error,
      h("div", { class: "dialog-actions" },
        h("button", { type: "button", class: "btn btn-ghost", value: "cancel", onclick: () => dialog.close("cancel") }, t("cancel")),
        h("button", { type: "submit", class: "btn btn-primary", value: "ok" }, submitLabel)));
    const dialog = h("dialog", { class: "dialog" }, form);
    form.addEventListener("submit", (event) => {
      const values = Object.fromEntries(new FormData(form).entries());
      const problem = validate ? validate(values) : null;
      if (problem) {
        event.preventDefault();
        error.textContent = problem;
        return;
      }
      dialog.dataset.values = JSON.stringify(values);
    });
    dialog.addEventListener("close", () => {
      const values = dialog.returnValue === "ok" && dialog.dataset.values ? JSON.parse(dialog.dataset.values) : null;
      dialog.remove();
      resolve(values);
    });
    document.body.appendChild(dialog);
    dialog.showModal();
    const first = form.querySelector("input, textarea, select");
    if (first) first.focus();
  });
}

export function field(text, control) {
  return h("label", { class: "field" }, h("span", {}, text), control);
}

export function transferDialog() {
  const target = h("select", { name: "team" }, TEAMS.map((team) => h("option", { value: team }, label("team", team))));
  return modal(t("transfer_title"), [
    field(t("transfer_note"), h("textarea", { name: "note", rows: 3, required: true, maxlength: 2000 })),
    h("div", { class: "field-row" },
      field(t("to_team"), target),
      field(t("to_agent"), h("input", { name: "agent", placeholder: "minh", autocomplete: "off", maxlength: 64 }))),
  ], { submitLabel: t("transfer"), validate: (v) => (v.note.trim() ? null : t("transfer_note")) });
}

function pad(n) {
  return String(n).padStart(2, "0");
}

const BANK_UTC_OFFSET = "+07:00";

export function callbackDialog(defaultPhone) {
  // The default hour is an hour from now on the bank's clock (UTC+7).
  const soon = new Date(Date.now() + 60 * 60 * 1000 + 7 * 60 * 60 * 1000);
  const day = `${soon.getUTCFullYear()}-${pad(soon.getUTCMonth() + 1)}-${pad(soon.getUTCDate())}`;
  const from = `${pad(soon.getUTCHours())}:00`;
  const to = `${pad((soon.getUTCHours() + 1) % 24)}:00`;
  return modal(t("callback_title"), [
    field(t("phone"), h("input", { name: "phone", type: "tel", required: true, value: defaultPhone || "", placeholder: "0909000111", maxlength: 32 })),
    h("div", { class: "field-row" },
      field(t("date"), h("input", { name: "date", type: "date", required: true, value: day })),
      field(t("from"), h("input", { name: "from", type: "time", required: true, value: from })),
      field(t("to"), h("input", { name: "to", type: "time", required: true, value: to }))),
    field(t("note"), h("textarea", { name: "note", rows: 2, maxlength: 2000 })),
  ], {
    submitLabel: t("callback"),
    validate: (v) => (v.to > v.from ? null : `${t("to")} > ${t("from")}`),
  }).then((values) => {
    if (!values) return null;
    // Call-back times are the customer's wall-clock times in Vietnam (UTC+7, no daylight
    // saving), whatever time zone the agent's browser is set to.
    const start = new Date(`${values.date}T${values.from}:00${BANK_UTC_OFFSET}`);
    const end = new Date(`${values.date}T${values.to}:00${BANK_UTC_OFFSET}`);
    return {
      phone: values.phone.trim(),
      window_start: start.toISOString(),
      window_end: end.toISOString(),
      preferred_time: `${values.date} ${values.from}–${values.to}`,
      note: values.note || null,
    };
  });
}

export function resolveDialog() {
  return modal(t("resolve_title"), [
    field(t("resolution_code"), h("select", { name: "code", required: true },
      RESOLUTION_CODES.map((code) => h("option", { value: code }, label("code", code))))),
  ], { submitLabel: t("resolve") });
}

export function assignDialog() {
  return modal(t("assign"), [
    field(t("assign_to"), h("input", { name: "username", required: true, placeholder: "linh", maxlength: 64 })),
  ], { submitLabel: t("assign") });
}

export function passwordDialog() {
  const input = (name, autocomplete) => h("input", { name, type: "password", required: true, autocomplete, maxlength: 200 });
  return modal(t("change_password"), [
    field(t("current_password"), input("current", "current-password")),
    field(t("new_password"), input("next", "new-password")),
    field(t("repeat_password"), input("repeat", "new-password")),
  ], {
    submitLabel: t("change_password"),
    validate: (v) => {
      if (v.next.length < 12) return t("password_short");
      return v.next === v.repeat ? null : t("password_mismatch");
    },
  });
}

const REASON_MAX = 300; // the hub's bound (bot.customer_link.MAX_REASON)

function reasonField() {
  return field(t("customer_link_reason"), h("textarea", { name: "reason", rows: 2, required: true, maxlength: REASON_MAX }));
}

/** Link the conversation to a customer: their id and why the agent is sure. */
export function linkDialog() {
  return modal(t("customer_link"), [
    h("p", { class: "muted" }, t("customer_link_hint")),
    field(t("customer_code"), h("input", { name: "customer_id", required: true, placeholder: "C005", autocomplete: "off", maxlength: 32 })),
    reasonField(),
  ], {
    submitLabel: t("customer_link"),
    validate: (v) => (v.customer_id.trim() && v.reason.trim() ? null : t("customer_reason_needed")),
  });
}

/** Take the customer off the conversation, saying why. */
export function unlinkDialog() {
  return modal(t("customer_unlink"), [reasonField()], {
    submitLabel: t("customer_unlink"),
    validate: (v) => (v.reason.trim() ? null : t("customer_reason_needed")),
  });
}

/** A yes/no question; resolves true when confirmed. */
export function confirmDialog(question, submitLabel) {
  return modal(question, [], { submitLabel }).then((values) => values !== null);
}
