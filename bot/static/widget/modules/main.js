/*
 * The widget's entry module: the loader (tandem-widget.js) imports it and calls start()
 * with what the embedding tag said. It wires the other modules together (buttons, network
 * events), adds the widget to the page, loads the history and connects. It owns no
 * behaviour of its own.
 */

import { configure, config, HUMAN_PAYLOAD } from "./config.js";
import { submit, wireComposer } from "./composer.js";
import { applyLanguage, setLanguage } from "./language.js";
import { setOpen, wireLauncher } from "./launcher.js";
import { buildLayout, ui } from "./layout.js";
import { addPending, onChoose } from "./messages.js";
import { httpFlush } from "./http.js";
import { readOutbox } from "./outbox.js";
import { loadHistory, ensureSession } from "./session.js";
import { connect } from "./socket.js";
import { initState, state } from "./state.js";
import { renderStatus } from "./status.js";

function wireNetwork() {
  window.addEventListener("online", function () {
    state.online = true;
    state.attempts = 0;
    renderStatus();
    connect();
    if (state.fallback) httpFlush();
  });
  window.addEventListener("offline", function () {
    state.online = false;
    renderStatus();
    if (state.socket) state.socket.close();
  });
}

// The base sheet first: it sets the colours the others use.
var STYLESHEETS = ["tandem-widget.css", "styles/messages.css", "styles/composer.css"];

function show() {
  STYLESHEETS.forEach(function (path) {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = config.base + "/widget/" + path;
    document.head.appendChild(css);
  });
  document.body.appendChild(ui.root);
  applyLanguage();
  setOpen(state.open);
  readOutbox().forEach(addPending); // unsent messages from before a reload or drop
  ensureSession()
    .then(function () { return loadHistory(false); })
    .catch(function () {})
    .then(connect);
}

// attrs: { base, site, lang, customerId, signature, maxChars }, read from the tag.
// Returns the public API the loader exposes as window.TandemWidget.
export function start(attrs) {
  configure(attrs);
  initState();
  buildLayout();
  wireLauncher();
  wireComposer();
  onChoose(submit);
  ui.langBtn.addEventListener("click", function () {
    setLanguage(state.lang === "vi" ? "en" : "vi");
  });
  ui.humanBtn.addEventListener("click", function () {
    submit(HUMAN_PAYLOAD);
  });
  wireNetwork();
  if (document.body) show();
  else document.addEventListener("DOMContentLoaded", show);
  return {
    open: function () {
      setOpen(true);
    },
    close: function () {
      setOpen(false);
    },
    setLanguage: setLanguage,
    send: submit,
  };
}
