// Routing, for supervisors: each agent's concurrent-chat capacity, open conversations,
// unacknowledged offers and missed offers, with capacity and skills editable in place.

import { get, put } from "./api.js";
import { h } from "./dom.js";
import { addStrings, t } from "./i18n.js";

addStrings({
  vi: {
    routing_title: "Phân công: số chat và kỹ năng",
    routing_agent: "Nhân viên",
    routing_capacity: "Số chat đồng thời",
    routing_load: "Đang mở",
    routing_offers: "Chờ xác nhận",
    routing_missed: "Bỏ lỡ",
    routing_skills: "Kỹ năng (cách nhau bằng dấu phẩy; để trống: mọi kỹ năng)",
    routing_present: "Có mặt",
    routing_absent: "Vắng",
    routing_save: "Lưu",
    routing_saved: "Đã lưu phân công của {name}.",
  },
  en: {
    routing_title: "Routing: concurrent chats and skills",
    routing_agent: "Agent",
    routing_capacity: "Concurrent chats",
    routing_load: "Open",
    routing_offers: "Offers",
    routing_missed: "Missed",
    routing_skills: "Skills (comma-separated; empty: every skill)",
    routing_present: "Present",
    routing_absent: "Away",
    routing_save: "Save",
    routing_saved: "Routing of {name} saved.",
  },
});

export const loadRouting = () => get("/api/routing/agents").catch(() => ({ agents: [] }));

/** The routing card; `refresh` re-renders the tab after a change. */
export function routingCard(data, app, refresh) {
  const agents = (data && data.agents) || [];
  const row = (a) => {
    const capacity = h("input", { type: "number", min: "1", max: "20", value: String(a.capacity), "aria-label": t("routing_capacity"), class: "routing-capacity" });
    const skills = h("input", { type: "text", value: (a.skills || []).join(", "), placeholder: (data.skills || []).join(", "), "aria-label": t("routing_skills"), class: "routing-skills" });
    const save = async () => {
      const list = skills.value.split(",").map((x) => x.trim()).filter(Boolean);
      try {
        await put(`/api/routing/agents/${a.id}`, { capacity: Number(capacity.value), skills: list.length ? list : null });
        app.toast(t("routing_saved", { name: a.name }));
        refresh();
      } catch (err) {
        app.toast(t("error", { detail: err.message }), "error");
      }
    };
    return h("tr", { dataset: { agent: a.username } },
      h("td", {}, a.name), h("td", {}, a.present ? t("routing_present") : t("routing_absent")),
      h("td", {}, capacity), h("td", { class: "routing-load" }, String(a.load)),
      h("td", { class: "routing-offers" }, String(a.offers)), h("td", { class: "routing-missed" }, String(a.missed_offers)),
      h("td", {}, skills),
      h("td", {}, h("button", { class: "btn btn-sm", "data-action": "save-routing", onclick: save }, t("routing_save"))));
  };
  return h("section", { class: "card sup-card", id: "routing-card" }, h("h3", {}, t("routing_title")),
    h("table", { class: "report" },
      h("thead", {}, h("tr", {}, ...["routing_agent", "routing_present", "routing_capacity", "routing_load", "routing_offers", "routing_missed", "routing_skills"].map((k) => h("th", {}, t(k))), h("th", {}))),
      h("tbody", {}, agents.map(row))));
}
