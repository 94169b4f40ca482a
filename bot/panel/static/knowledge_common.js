// Shared state and small widgets of the knowledge tab's sub-views.

import { h } from "./dom.js";
import { t } from "./i18n.js";

export const kbState = {
  sub: "entries",
  entries: [],
  draftIds: new Set(),
  selected: null,
  query: "",
  error: null,
  settings: null,
  goto: null,
};

/** A unified diff, each line coloured by its sign (text nodes only). */
export function diffBlock(diff) {
  if (!diff) return null;
  return h("pre", { class: "diff" }, diff.split("\n").map((line) => h("span", {
    class: line.startsWith("+") && !line.startsWith("+++") ? "diff-add" : line.startsWith("-") && !line.startsWith("---") ? "diff-del" : "diff-ctx",
  }, `${line}\n`)));
}

export function statusChip(status) {
  const tone = { published: "green", approved: "green", in_review: "blue", rejected: "red", withdrawn: "muted" }[status] || "amber";
  return h("span", { class: `chip chip-${tone}`, dataset: { status } }, t(`status_${status}`));
}

/** ISO time -> the value of a datetime-local input, in local time. */
export function toLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The value of a datetime-local input (local time) -> ISO time in UTC, or null. */
export function fromLocalInput(value) {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}
