// Bulk import (CSV or YAML, every bad line reported) and export of the live corpus.

import { post } from "./api.js";
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";

export function renderTransfer(body, app) {
  const file = h("input", { type: "file", name: "import-file", accept: ".csv,.yaml,.yml,.jsonl" });
  const format = h("select", { name: "format" }, ["csv", "yaml", "jsonl"].map((f) => h("option", { value: f }, f.toUpperCase())));
  file.addEventListener("change", () => {
    const name = (file.files[0] && file.files[0].name) || "";
    const ext = name.split(".").pop().toLowerCase();
    format.value = ext === "yml" ? "yaml" : ["csv", "yaml", "jsonl"].includes(ext) ? ext : format.value;
  });
  const result = h("div", { class: "kb-import-result" });
  const run = async () => {
    if (!file.files.length) return;
    try {
      const text = await file.files[0].text();
      const out = await post("/api/knowledge/import", { format: format.value, text });
      if (out.errors.length) {
        fill(result, h("p", { class: "kb-problem" }, t("import_errors", { n: out.errors.length })),
          h("table", { class: "kb-import-errors" },
            h("thead", {}, h("tr", {}, h("th", {}, t("col_line")), h("th", {}, t("entry_id")), h("th", {}, t("col_error")))),
            h("tbody", {}, out.errors.map((e) => h("tr", { dataset: { line: String(e.line) } }, h("td", { class: "num" }, String(e.line)), h("td", { class: "kb-id" }, e.id || "—"), h("td", {}, e.message))))));
      } else {
        fill(result, h("p", { class: "kb-ok" }, t("import_done", { n: out.imported }), " ", out.published ? t("published") : t("submitted")));
      }
    } catch (err) {
      app.toast(t("error", { detail: err.message }), "error");
    }
  };
  fill(body, h("section", { class: "kb-page" },
    h("h2", {}, t("import_title")),
    h("p", { class: "muted" }, t("import_help")),
    h("div", { class: "kb-import" },
      h("label", { class: "field" }, h("span", {}, t("import_file")), file),
      h("label", { class: "field" }, h("span", {}, t("import_format")), format),
      h("button", { type: "button", class: "btn btn-primary", dataset: { action: "import" }, onclick: run }, t("import_run"))),
    result,
    h("h2", {}, t("export_title")),
    h("p", { class: "muted" }, t("export_help")),
    h("div", { class: "kb-actions kb-export" },
      h("a", { class: "btn", href: "/api/knowledge/export?format=yaml", download: "knowledge.yaml" }, t("export_yaml")),
      h("a", { class: "btn", href: "/api/knowledge/export?format=csv", download: "knowledge.csv" }, t("export_csv")))));
}
