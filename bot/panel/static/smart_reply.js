// Smart replies in the assist column: up to three short replies agents sent to similar
// customer messages (approved by a knowledge manager); one click puts one in the reply box.

import { get } from "./api.js";
import "./canned-i18n.js";
import { fill, h } from "./dom.js";
import { t } from "./i18n.js";

const cache = { key: null, replies: [] };

function insert(text) {
  const box = document.getElementById("reply");
  if (!box || box.disabled) return;
  box.value = box.value.trim() ? `${box.value.trimEnd()} ${text}` : text;
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  box.dispatchEvent(new Event("input", { bubbles: true }));
}

function draw(slot) {
  fill(slot, cache.replies.length ? [
    h("h4", {}, t("smart_replies")),
    h("ul", { class: "smart-replies" }, cache.replies.map((r) => h("li", {},
      h("button", { type: "button", class: "btn btn-ghost btn-sm smart-reply", dataset: { id: String(r.id) }, onclick: () => insert(r.reply_text) }, r.reply_text)))),
  ] : []);
}

/** Fill the slot for the open conversation's latest customer message (fetched once each). */
export function renderSmartReplies(slot, app) {
  const current = app.state.current;
  if (!current) return;
  const key = `${current.id}:${app.state.assist.message_id}`;
  if (cache.key === key) {
    draw(slot);
    return;
  }
  cache.key = key;
  cache.replies = [];
  draw(slot);
  get(`/api/conversations/${current.id}/smart-replies`).then((data) => {
    if (cache.key !== key) return; // a newer message came meanwhile
    cache.replies = data.replies;
    const live = document.getElementById("smart-reply-slot");
    if (live) draw(live);
  }).catch(() => {}); // smart replies are optional help: never an error in the agent's way
}
