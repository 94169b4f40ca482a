// Canned replies in the composer: "/" in an empty reply box, Ctrl+/ anywhere in it, or the
// composer's button opens a filterable list of the workspace's replies, filled for the open
// conversation by the hub. A {{variable}} left without a value is flagged under the box and
// the reply is not sent until the agent replaces it (the hub refuses it too).

import { get } from "./api.js";
import "./canned-i18n.js";
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";

const PLACEHOLDER = /\{\{[^{}]{0,80}\}\}/g;
const picker = { node: null, items: [], active: 0, filter: "", opening: 0 };

export function unfilledIn(text) {
  return [...new Set(text.match(PLACEHOLDER) || [])];
}

const reply = () => document.getElementById("reply");

/** Show (or clear) the warning under the reply box; true when something is unfilled. */
export function flagUnfilled() {
  const box = reply();
  if (!box) return false;
  const left = unfilledIn(box.value);
  let note = document.getElementById("canned-unfilled");
  if (!left.length) {
    box.removeAttribute("aria-invalid");
    box.classList.remove("has-unfilled");
    if (note) note.remove();
    return false;
  }
  box.setAttribute("aria-invalid", "true");
  box.classList.add("has-unfilled");
  if (!note) {
    note = h("p", { id: "canned-unfilled", class: "canned-unfilled", role: "alert" });
    box.closest(".composer").insertAdjacentElement("beforebegin", note);
  }
  fill(note, t("canned_unfilled", { names: left.join(", ") }));
  return true;
}

function closePicker() {
  if (picker.node) picker.node.remove();
  picker.node = null;
}

function matches(item, filter) {
  const q = filter.trim().toLowerCase();
  if (!q) return true;
  return [item.shortcut, item.title, item.text].some((v) => v.toLowerCase().includes(q));
}

function insert(item) {
  const box = reply();
  closePicker();
  if (!box) return;
  const start = box.selectionStart ?? box.value.length;
  const end = box.selectionEnd ?? start;
  box.value = box.value.slice(0, start) + item.text + box.value.slice(end);
  box.focus();
  // Select the first unfilled variable so the agent can type its value over it.
  PLACEHOLDER.lastIndex = 0;
  const first = PLACEHOLDER.exec(box.value.slice(start, start + item.text.length));
  if (first) box.setSelectionRange(start + first.index, start + first.index + first[0].length);
  else box.setSelectionRange(start + item.text.length, start + item.text.length);
  flagUnfilled();
}

function drawList() {
  const list = picker.node && picker.node.querySelector("ul");
  if (!list) return;
  const shown = picker.items.filter((i) => matches(i, picker.filter));
  picker.active = Math.max(0, Math.min(picker.active, shown.length - 1));
  fill(list, shown.length ? shown.map((item, i) => h("li", {
    class: `canned-item${i === picker.active ? " active" : ""}`, role: "option",
    "aria-selected": String(i === picker.active), dataset: { shortcut: item.shortcut },
    onmousedown: (e) => { e.preventDefault(); insert(item); },
  },
  h("div", { class: "canned-head" }, h("strong", {}, `/${item.shortcut}`), h("span", {}, item.title),
    item.missing.length ? h("span", { class: "chip chip-amber canned-missing" }, t("canned_missing", { names: item.missing.join(", ") })) : null),
  h("p", { class: "canned-text" }, item.text))) : h("li", { class: "empty" }, t("canned_none")));
  return shown;
}

export async function openPicker(app) {
  const box = reply();
  const current = app.state.current;
  if (!box || !current || box.disabled) return;
  closePicker();
  // Only the latest of two quick openings draws a list.
  const opening = ++picker.opening;
  let data;
  try {
    data = await get(`/api/conversations/${current.id}/canned-replies`);
  } catch (err) {
    app.toast(t("error", { detail: err.message }), "error");
    return;
  }
  if (opening !== picker.opening) return;
  picker.items = data.replies;
  picker.filter = "";
  picker.active = 0;
  const filter = h("input", {
    type: "search", class: "canned-filter", id: "canned-filter", placeholder: t("canned_filter"), "aria-label": t("canned_filter"),
    oninput: (e) => { picker.filter = e.target.value; picker.active = 0; drawList(); },
    onkeydown: (e) => {
      const shown = picker.items.filter((i) => matches(i, picker.filter));
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        picker.active = (picker.active + (e.key === "ArrowDown" ? 1 : -1) + shown.length) % Math.max(shown.length, 1);
        drawList();
      } else if (e.key === "Enter") {
        e.preventDefault();
        if (shown[picker.active]) insert(shown[picker.active]);
      } else if (e.key === "Escape") {
        e.preventDefault();
        closePicker();
        box.focus();
      }
    },
    // Closes its own list only: a list opened again within the delay stays open.
    onblur: (e) => {
      const own = e.target.closest(".canned-picker");
      setTimeout(() => { if (picker.node === own) closePicker(); }, 150);
    },
  });
  picker.node = h("div", { class: "canned-picker", id: "canned-picker", role: "listbox" }, filter, h("ul", {}));
  box.closest(".composer").insertAdjacentElement("beforebegin", picker.node);
  drawList();
  filter.focus();
}

/** Wire the shortcut, the flag and the send guard once; the composer is redrawn often. */
export function installCanned(app) {
  app.openCanned = () => openPicker(app);
  document.addEventListener("keydown", (e) => {
    if (!e.target || e.target.id !== "reply") return;
    const slash = e.key === "/" || e.code === "Slash";
    if (slash && (e.ctrlKey || e.metaKey || e.target.value === "")) {
      e.preventDefault();
      openPicker(app);
    }
  });
  document.addEventListener("input", (e) => {
    if (e.target && e.target.id === "reply") flagUnfilled();
  });
  const send = app.sendReply;
  app.sendReply = async (...args) => {
    if (flagUnfilled()) {
      app.toast(t("canned_not_sent"), "error");
      const box = reply();
      if (box) box.focus();
      return undefined;
    }
    const out = await send(...args);
    flagUnfilled(); // the box is empty after a send: clear the warning
    return out;
  };
}
