/*
 * Owns opening and closing the panel: the launcher button, the close button and Escape,
 * the stored open/closed choice (the panel reopens itself after a reload), and clearing
 * the unread badge when the visitor looks.
 */

import { config } from "./config.js";
import { ui } from "./layout.js";
import { scrollDown } from "./messages.js";
import { state } from "./state.js";
import { save } from "./storage.js";

export function setOpen(open) {
  state.open = open;
  save(config.prefix + "open", open);
  ui.root.setAttribute("data-state", open ? "open" : "closed");
  ui.launcher.setAttribute("aria-expanded", String(open));
  ui.panel.hidden = !open;
  if (open) {
    state.unread = 0;
    ui.badge.hidden = true;
    scrollDown();
    ui.input.focus();
  }
}

function closeToLauncher() {
  setOpen(false);
  ui.launcher.focus();
}

export function wireLauncher() {
  ui.launcher.addEventListener("click", function () {
    setOpen(!state.open);
  });
  ui.closeBtn.addEventListener("click", closeToLauncher);
  ui.panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeToLauncher();
  });
}
