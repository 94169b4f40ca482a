// Customers' identity lockouts, for supervisors: who cannot try card checks in chat right
// now (a visitor, an address or a customer), until when, and lifting a lockout.

import { get, post } from "./api.js";
import { confirmDialog } from "./dialogs.js";
import { h } from "./dom.js";
import { addStrings, locale, t } from "./i18n.js";

addStrings({
  vi: {
    identity_lockouts: "Khoá xác minh danh tính",
    identity_lockouts_none: "Không có khoá xác minh nào.",
    lockout_scope_visitor: "Khách truy cập",
    lockout_scope_address: "Địa chỉ mạng",
    lockout_scope_customer: "Khách hàng",
    lockout_failures: "{n} lần sai",
    lockout_until: "đến {time}",
    lockout_clear: "Gỡ khoá",
    lockout_clear_confirm: "Gỡ khoá xác minh cho {key}? Chỉ gỡ khi đã xác minh khách hàng qua kênh khác.",
  },
  en: {
    identity_lockouts: "Identity check lockouts",
    identity_lockouts_none: "No identity check is locked.",
    lockout_scope_visitor: "Visitor",
    lockout_scope_address: "Address",
    lockout_scope_customer: "Customer",
    lockout_failures: "{n} failures",
    lockout_until: "until {time}",
    lockout_clear: "Lift",
    lockout_clear_confirm: "Lift the identity lockout of {key}? Only once the customer has been verified another way.",
  },
});

/** The card listing active lockouts; `refresh` re-renders the tab after a lift. */
export function lockoutsCard(data, app, refresh) {
  const rows = (data && data.lockouts) || [];
  const lift = async (row) => {
    if (!(await confirmDialog(t("lockout_clear_confirm", { key: row.key }), t("lockout_clear")))) return;
    try {
      await post(`/api/reports/identity-lockouts/${row.id}/clear`);
      refresh();
    } catch (err) {
      app.toast(t("error", { detail: err.message }), "error");
    }
  };
  return h("section", { class: "card sup-card", id: "identity-lockouts" }, h("h3", {}, t("identity_lockouts")),
    rows.length
      ? h("table", { class: "report" }, h("tbody", {}, rows.map((row) => h("tr", { class: `lockout-${row.scope}` },
        h("td", {}, t(`lockout_scope_${row.scope}`)),
        h("td", { class: "mono" }, row.customer_id || row.key),
        h("td", { class: "num" }, t("lockout_failures", { n: row.failures })),
        h("td", {}, t("lockout_until", { time: new Date(row.until).toLocaleString(locale()) })),
        h("td", {}, h("button", { class: "btn btn-sm", onclick: () => lift(row) }, t("lockout_clear")))))))
      : h("p", { class: "empty" }, t("identity_lockouts_none")));
}

export const loadLockouts = () => get("/api/reports/identity-lockouts").catch(() => ({ lockouts: [] }));
