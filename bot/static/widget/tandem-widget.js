/*
 * Tandem website chat widget: the loader.
 *
 * Embed with one tag (the hub serves this file, its modules and its stylesheet; no CDN):
 *   <script src="https://hub.example/widget/tandem-widget.js" data-site="demo-bank"
 *           data-lang="vi" async></script>
 * Optional: data-customer-id + data-signature (hex HMAC-SHA256 of the customer id with the
 * site's secret, computed by the site's server) for signed-in customers; data-max-chars.
 *
 * This classic script only reads its own tag (document.currentScript exists only while a
 * classic script runs) and imports the widget's ES modules from modules/ next to it; no
 * bundler is involved. modules/main.js says what each module owns. In short:
 *
 * Identity: the hub, not the browser, names an anonymous visitor. It hands back a short-lived
 * token (sent as an Authorization header, and as the websocket's first "auth" frame, never in
 * a URL) and a resume token kept in localStorage, which brings a returning visitor back to
 * the same thread. The open websocket pushes a fresh token before the current one expires.
 *
 * Delivery model: every message typed goes to a persistent outbox (localStorage) with a
 * client id first, then over the websocket (or HTTP when the socket cannot connect). The
 * hub stores each client id once, so resending after a drop or reload never duplicates.
 * Message text is always rendered with textContent: customer and agent text is data,
 * never markup.
 */
(function () {
  "use strict";

  if (window.TandemWidget) return; // the tag was included twice

  var script =
    document.currentScript || document.querySelector('script[src*="tandem-widget.js"]');
  if (!script) return;

  var attrs = {
    base: new URL(script.getAttribute("src"), location.href).origin,
    site: script.getAttribute("data-site"),
    lang: script.getAttribute("data-lang"),
    customerId: script.getAttribute("data-customer-id"),
    signature: script.getAttribute("data-signature"),
    maxChars: script.getAttribute("data-max-chars"),
  };

  // The page may call the public API before the modules arrive (its own "chat with us"
  // button): such calls wait here and run once the widget has started.
  var waiting = [];
  var api = {};
  ["open", "close", "setLanguage", "send"].forEach(function (name) {
    api[name] = function () {
      waiting.push([name, arguments]);
    };
  });
  window.TandemWidget = api;

  // Every module is requested at once rather than one import level after another (six
  // levels deep), so a slow network pays one round trip, not six, before the widget shows.
  // tests/channels/test_widget_assets.py checks this list against the folder.
  var MODULES = [
    "composer", "config", "dom", "http", "language", "launcher", "layout", "main",
    "messages", "outbox", "session", "socket", "state", "status", "storage", "strings",
  ];
  MODULES.forEach(function (name) {
    var link = document.createElement("link");
    link.rel = "modulepreload";
    link.href = new URL("modules/" + name + ".js", script.src).href;
    document.head.appendChild(link);
  });

  // Modules are fetched with CORS from the hub's origin; the hub serves them to any origin.
  import(new URL("modules/main.js", script.src).href)
    .then(function (widget) {
      var started = widget.start(attrs);
      Object.keys(started).forEach(function (name) {
        api[name] = started[name];
      });
      waiting.forEach(function (call) {
        started[call[0]].apply(null, call[1]);
      });
      waiting = [];
    })
    .catch(function (error) {
      console.warn("Tandem widget: its modules could not be loaded.", error);
    });
})();
