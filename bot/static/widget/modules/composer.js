/*
 * Owns the composer: checking what the visitor typed (empty, too long), the notice line
 * for those refusals, putting the message in the outbox and on screen as pending before
 * it is sent, and the textarea's Enter-to-send and auto-height.
 */

import { config } from "./config.js";
import { ui } from "./layout.js";
import { addPending } from "./messages.js";
import { enqueue } from "./outbox.js";
import { flush } from "./socket.js";
import { t } from "./strings.js";

function showNotice(message) {
  ui.noticeEl.textContent = message;
  ui.noticeEl.hidden = !message;
}

// True when the text was taken (the caller then clears the box); also the public send().
export function submit(text) {
  if (typeof text !== "string" || !text.trim()) {
    showNotice(t("empty"));
    return false;
  }
  if (text.length > config.maxChars) {
    showNotice(t("tooLong").replace("{n}", String(config.maxChars)));
    return false;
  }
  showNotice("");
  addPending(enqueue(text));
  flush();
  return true;
}

function autosize() {
  ui.input.style.height = "auto";
  ui.input.style.height = Math.min(ui.input.scrollHeight, 120) + "px";
}

export function wireComposer() {
  var form = ui.form;
  var input = ui.input;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (submit(input.value)) {
      input.value = "";
      autosize();
    }
    input.focus();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });
  input.addEventListener("input", autosize);
}
