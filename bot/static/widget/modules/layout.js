/*
 * Owns the widget's DOM skeleton: the launcher button with its unread badge and the chat
 * panel (header, log with the welcome message, typing dots, "talk to a person" bar,
 * notice line, composer). buildLayout() creates it once; the elements are shared in `ui`.
 */

import { config } from "./config.js";
import { el, icon, ICON_CHAT, ICON_CLOSE, ICON_PERSON, ICON_SEND } from "./dom.js";

export const ui = {};

export function buildLayout() {
  var root = el("div", "tw-root");
  root.id = "tandem-widget";
  root.setAttribute("data-state", "closed");

  var launcher = el("button", "tw-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-controls", "tandem-widget-panel");
  launcher.appendChild(icon(ICON_CHAT));
  var badge = el("span", "tw-badge");
  badge.hidden = true;
  launcher.appendChild(badge);

  var panel = el("section", "tw-panel");
  panel.id = "tandem-widget-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");

  var header = el("header", "tw-header");
  var avatar = el("div", "tw-avatar", "SV");
  avatar.setAttribute("aria-hidden", "true");
  var titles = el("div", "tw-titles");
  var titleEl = el("h2", "tw-title");
  titleEl.id = "tandem-widget-title";
  var statusEl = el("p", "tw-status");
  statusEl.setAttribute("role", "status");
  titles.appendChild(titleEl);
  titles.appendChild(statusEl);
  var langBtn = el("button", "tw-lang");
  langBtn.type = "button";
  var closeBtn = el("button", "tw-close");
  closeBtn.type = "button";
  closeBtn.appendChild(icon(ICON_CLOSE));
  header.appendChild(avatar);
  header.appendChild(titles);
  header.appendChild(langBtn);
  header.appendChild(closeBtn);
  panel.setAttribute("aria-labelledby", titleEl.id);

  var logEl = el("div", "tw-log");
  logEl.setAttribute("role", "log");
  logEl.setAttribute("aria-live", "polite");
  logEl.setAttribute("aria-relevant", "additions");
  logEl.tabIndex = 0;
  var welcome = el("div", "tw-msg tw-msg--bot tw-msg--welcome");
  var welcomeWho = el("div", "tw-who");
  var welcomeBubble = el("div", "tw-bubble");
  welcome.appendChild(welcomeWho);
  welcome.appendChild(welcomeBubble);
  logEl.appendChild(welcome);

  var typingEl = el("div", "tw-typing");
  typingEl.setAttribute("role", "status");
  typingEl.hidden = true;
  var dots = el("span", "tw-dots");
  dots.setAttribute("aria-hidden", "true");
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  var typingText = el("span", "tw-sr");
  typingEl.appendChild(dots);
  typingEl.appendChild(typingText);

  var humanBar = el("div", "tw-humanbar");
  var humanBtn = el("button", "tw-human");
  humanBtn.type = "button";
  humanBtn.appendChild(icon(ICON_PERSON));
  var humanLabel = el("span");
  humanBtn.appendChild(humanLabel);
  var verifiedEl = el("span", "tw-verified");
  verifiedEl.hidden = true;
  humanBar.appendChild(humanBtn);
  humanBar.appendChild(verifiedEl);

  var form = el("form", "tw-composer");
  form.noValidate = true;
  var inputLabel = el("label", "tw-sr");
  inputLabel.htmlFor = "tandem-widget-input";
  var input = el("textarea", "tw-input");
  input.id = "tandem-widget-input";
  input.rows = 1;
  input.setAttribute("maxlength", String(config.maxChars * 2)); // the hub is the real check
  var sendBtn = el("button", "tw-send");
  sendBtn.type = "submit";
  sendBtn.appendChild(icon(ICON_SEND));
  var noticeEl = el("p", "tw-notice");
  noticeEl.setAttribute("role", "alert");
  noticeEl.hidden = true;
  form.appendChild(inputLabel);
  form.appendChild(input);
  form.appendChild(sendBtn);

  panel.appendChild(header);
  panel.appendChild(logEl);
  panel.appendChild(typingEl);
  panel.appendChild(humanBar);
  panel.appendChild(noticeEl);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  Object.assign(ui, {
    root: root,
    launcher: launcher,
    badge: badge,
    panel: panel,
    titleEl: titleEl,
    statusEl: statusEl,
    langBtn: langBtn,
    closeBtn: closeBtn,
    logEl: logEl,
    welcome: welcome,
    welcomeWho: welcomeWho,
    welcomeBubble: welcomeBubble,
    typingEl: typingEl,
    typingText: typingText,
    humanBtn: humanBtn,
    humanLabel: humanLabel,
    verifiedEl: verifiedEl,
    form: form,
    inputLabel: inputLabel,
    input: input,
    sendBtn: sendBtn,
    noticeEl: noticeEl,
  });
}
