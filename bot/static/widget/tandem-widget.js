/*
 * Tandem website chat widget.
 *
 * Embed with one tag (the hub serves this file and its stylesheet; no CDN):
 *   <script src="https://hub.example/widget/tandem-widget.js" data-site="demo-bank"
 *           data-lang="vi" async></script>
 * Optional: data-customer-id + data-signature (hex HMAC-SHA256 of the customer id with the
 * site's secret, computed by the site's server) for signed-in customers.
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

  var BASE = new URL(script.getAttribute("src"), location.href).origin;
  var WS_BASE = BASE.replace(/^http/, "ws");
  var SITE = script.getAttribute("data-site") || "default";
  var CUSTOMER_ID = script.getAttribute("data-customer-id") || "";
  var SIGNATURE = script.getAttribute("data-signature") || "";
  var MAX_CHARS = parseInt(script.getAttribute("data-max-chars") || "4000", 10);
  var PREFIX = "tandem:" + SITE + ":";
  var OUTBOX_KEY = PREFIX + "outbox:" + (CUSTOMER_ID || "visitor");
  var RESUME_KEY = PREFIX + "resume";
  var HUMAN_PAYLOAD = "/request_human";
  var POLL_MS = 4000;
  var MAX_BACKOFF_MS = 30000;

  var TEXT = {
    vi: {
      title: "Hỗ trợ Sen Vàng",
      open: "Mở cửa sổ trò chuyện",
      close: "Thu nhỏ cửa sổ trò chuyện",
      placeholder: "Nhập tin nhắn…",
      inputLabel: "Tin nhắn của bạn",
      send: "Gửi",
      human: "Gặp nhân viên",
      bot: "Trợ lý Sen Vàng",
      agent: "Nhân viên",
      you: "Bạn",
      log: "Tin nhắn trò chuyện",
      online: "Trực tuyến",
      connecting: "Đang kết nối…",
      offline: "Mất kết nối. Tin nhắn sẽ tự gửi khi có mạng.",
      fallback: "Đã kết nối (chế độ dự phòng)",
      reconnecting: "Đang kết nối lại…",
      pending: "Đang gửi…",
      failed: "Không gửi được",
      tooLong: "Tin nhắn quá dài (tối đa {n} ký tự).",
      rateLimited: "Bạn gửi hơi nhanh, tin nhắn này chưa được nhận. Vui lòng chờ khoảng {s} giây rồi gửi lại.",
      empty: "Tin nhắn trống.",
      notText: "Chỉ gửi được tin nhắn dạng chữ.",
      typing: "Đang soạn tin…",
      welcome:
        "Xin chào! Mình là trợ lý ảo của Ngân hàng Sen Vàng. Bạn cần hỗ trợ về thẻ, tài khoản hay khoản vay ạ?",
      signedIn: "Đã xác thực danh tính",
      lang: "EN",
      langLabel: "Switch to English",
    },
    en: {
      title: "Golden Lotus support",
      open: "Open the chat window",
      close: "Minimise the chat window",
      placeholder: "Type a message…",
      inputLabel: "Your message",
      send: "Send",
      human: "Talk to a person",
      bot: "Golden Lotus assistant",
      agent: "Adviser",
      you: "You",
      log: "Chat messages",
      online: "Online",
      connecting: "Connecting…",
      offline: "Offline. Your messages will be sent when you are back online.",
      fallback: "Connected (backup mode)",
      reconnecting: "Reconnecting…",
      pending: "Sending…",
      failed: "Not sent",
      tooLong: "The message is too long (max {n} characters).",
      rateLimited: "You are sending a little fast; this message was not received. Please wait about {s} seconds and send it again.",
      empty: "The message is empty.",
      notText: "Only text messages can be sent.",
      typing: "Typing…",
      welcome:
        "Hello! I'm the Golden Lotus Bank virtual assistant. How can I help with your cards, accounts or loans?",
      signedIn: "Identity verified",
      lang: "VI",
      langLabel: "Chuyển sang tiếng Việt",
    },
  };

  // -- storage (private browsing can make localStorage throw) -------------------------
  function load(key, fallback) {
    try {
      var raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) {
      return fallback;
    }
  }
  function save(key, value) {
    try {
      localStorage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* storage full or disabled: the widget still works for this page view */
    }
  }

  function pickLanguage() {
    var chosen = load(PREFIX + "lang", null);
    if (chosen === "vi" || chosen === "en") return chosen;
    var hint = (
      script.getAttribute("data-lang") ||
      document.documentElement.getAttribute("lang") ||
      navigator.language ||
      "vi"
    ).toLowerCase();
    return hint.indexOf("en") === 0 ? "en" : "vi";
  }

  var state = {
    lang: pickLanguage(),
    token: null,
    tokenExpires: 0, // Date.now() after which the hub no longer accepts the token
    resume: load(RESUME_KEY, null),
    stopped: false, // the hub refused this page's identity for good: no more retries
    socket: null,
    attempts: 0,
    failedOpens: 0,
    fallback: false,
    // Whether the last HTTP call reached the hub: the HTTP fallback is "connected" only
    // while its calls succeed (null until one has been made).
    httpOk: null,
    everConnected: false, // a drop after a connection is "reconnecting", not "connecting"
    online: navigator.onLine !== false,
    reconnectTimer: null,
    pollTimer: null,
    httpBusy: false,
    open: load(PREFIX + "open", false) === true,
    unread: 0,
    verified: false,
    labels: {}, // button payload -> title, so a clicked payload reads as its title
    rendered: {}, // "m<id>" or "c<client id>" -> element
    typingTimer: null,
  };

  function t(key) {
    return TEXT[state.lang][key];
  }

  // -- DOM helpers ------------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function icon(paths) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }
  var ICON_CHAT = ["M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"];
  var ICON_CLOSE = ["M6 6l12 12M18 6L6 18"];
  var ICON_SEND = ["M3 11l18-8-8 18-2-8-8-2z"];
  var ICON_PERSON = ["M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M4 21a8 8 0 0 1 16 0"];

  function clock(iso) {
    var d = iso ? new Date(iso) : new Date();
    if (isNaN(d.getTime())) return "";
    return d.toLocaleTimeString(state.lang === "vi" ? "vi-VN" : "en-GB", {
      hour: "2-digit",
      minute: "2-digit",
    });
  }

  // -- layout -------------------------------------------------------------------------------
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
  input.setAttribute("maxlength", String(MAX_CHARS * 2)); // the hub is the real check
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

  function applyLanguage() {
    root.setAttribute("lang", state.lang);
    titleEl.textContent = t("title");
    launcher.setAttribute("aria-label", t("open"));
    closeBtn.setAttribute("aria-label", t("close"));
    langBtn.textContent = t("lang");
    langBtn.setAttribute("aria-label", t("langLabel"));
    logEl.setAttribute("aria-label", t("log"));
    input.placeholder = t("placeholder");
    inputLabel.textContent = t("inputLabel");
    sendBtn.setAttribute("aria-label", t("send"));
    humanLabel.textContent = t("human");
    verifiedEl.textContent = t("signedIn");
    typingText.textContent = t("typing");
    welcomeWho.textContent = t("bot");
    welcomeBubble.textContent = t("welcome");
    state.labels[HUMAN_PAYLOAD] = t("human");
    Object.keys(state.rendered).forEach(function (key) {
      relabel(state.rendered[key]);
    });
    renderStatus();
  }

  // -- connection status ------------------------------------------------------------------
  function renderStatus() {
    var open = state.socket && state.socket.ready && state.socket.readyState === WebSocket.OPEN;
    var key = !state.online
      ? "offline"
      : open
        ? "online"
        : state.fallback && state.httpOk
          ? "fallback"
          : state.fallback || state.everConnected
            ? "reconnecting"
            : "connecting";
    statusEl.textContent = t(key);
    root.setAttribute("data-connection", key);
  }

  function noteHttp(ok) {
    state.httpOk = ok;
    if (ok) state.everConnected = true;
    renderStatus();
  }

  function showNotice(message) {
    noticeEl.textContent = message;
    noticeEl.hidden = !message;
  }

  // -- messages -----------------------------------------------------------------------------
  function whoLabel(node) {
    var sender = node.getAttribute("data-sender");
    if (sender === "bot") return t("bot");
    if (sender === "agent") return node.getAttribute("data-agent-name") || t("agent");
    return "";
  }

  function relabel(node) {
    var who = node.querySelector(".tw-who");
    if (who) {
      who.textContent = whoLabel(node);
      // A named agent also gets a role badge, so a person is never mistaken for the bot.
      if (node.getAttribute("data-agent-name")) who.setAttribute("data-role-label", t("agent"));
    }
    var bubble = node.querySelector(".tw-bubble");
    var raw = node.getAttribute("data-raw");
    if (bubble && raw !== null) bubble.textContent = displayText(raw, node.getAttribute("data-sender"));
    var meta = node.querySelector(".tw-meta");
    if (meta) meta.textContent = metaText(node);
  }

  function displayText(text, sender) {
    // A customer's button press is stored as its payload; show the title they clicked.
    if (sender === "customer" && text.charAt(0) === "/" && state.labels[text]) {
      return state.labels[text];
    }
    return text;
  }

  function metaText(node) {
    var status = node.getAttribute("data-status");
    if (status === "pending") return t("pending");
    if (status === "failed") return t("failed") + (node.getAttribute("data-error") ? " · " + node.getAttribute("data-error") : "");
    return clock(node.getAttribute("data-time"));
  }

  function buildMessage(m) {
    var sender = m.sender || "system";
    var node = el("div", "tw-msg tw-msg--" + sender);
    node.setAttribute("data-sender", sender);
    node.setAttribute("data-raw", m.text || "");
    if (m.created_at) node.setAttribute("data-time", m.created_at);
    if (m.agent_name) node.setAttribute("data-agent-name", m.agent_name);
    if (sender === "bot" || sender === "agent") node.appendChild(el("div", "tw-who"));
    node.appendChild(el("div", "tw-bubble"));
    if (m.buttons && m.buttons.length) {
      var row = el("div", "tw-buttons");
      m.buttons.forEach(function (b) {
        if (!b || typeof b.payload !== "string") return;
        var title = String(b.title || b.payload);
        state.labels[b.payload] = title;
        var btn = el("button", "tw-chip", title);
        btn.type = "button";
        btn.addEventListener("click", function () {
          submit(b.payload);
        });
        row.appendChild(btn);
      });
      node.appendChild(row);
    }
    node.appendChild(el("div", "tw-meta"));
    return node;
  }

  function setIdentity(node, m) {
    node.setAttribute("data-id", String(m.id));
    node.setAttribute("data-conv", String(m.conversation_id || 0));
    node.setAttribute("data-seq", String(m.seq || 0));
    node.removeAttribute("data-status");
    node.classList.remove("tw-msg--pending");
  }

  function before(a, b) {
    // Order by conversation, then by sequence within it; pending messages stay last.
    var ac = +a.getAttribute("data-conv"), bc = +b.getAttribute("data-conv");
    return ac !== bc ? ac < bc : +a.getAttribute("data-seq") < +b.getAttribute("data-seq");
  }

  function place(node) {
    var child = logEl.lastElementChild;
    while (child && child !== welcome) {
      if (child.hasAttribute("data-id") && !before(node, child)) break;
      child = child.previousElementSibling;
    }
    logEl.insertBefore(node, child ? child.nextElementSibling : logEl.firstElementChild);
  }

  function nearBottom() {
    return logEl.scrollHeight - logEl.scrollTop - logEl.clientHeight < 80;
  }

  function scrollDown() {
    logEl.scrollTop = logEl.scrollHeight;
  }

  function addMessage(m) {
    if (!m || m.id === undefined) return;
    var key = "m" + m.id;
    if (state.rendered[key]) return;
    var stick = nearBottom();
    var node = m.client_id && m.sender === "customer" ? state.rendered["c" + m.client_id] : null;
    if (node) {
      delete state.rendered["c" + m.client_id];
      dropFromOutbox(m.client_id);
      node.setAttribute("data-raw", m.text);
      if (m.created_at) node.setAttribute("data-time", m.created_at);
      setIdentity(node, m);
      node.remove();
    } else {
      node = buildMessage(m);
      setIdentity(node, m);
      if (m.sender === "customer" && m.client_id) dropFromOutbox(m.client_id);
    }
    state.rendered[key] = node;
    relabel(node);
    place(node);
    if (m.sender === "customer") {
      // Older suggestion buttons no longer apply once the customer has answered.
      logEl.querySelectorAll(".tw-buttons").forEach(function (row) {
        if (row.parentNode !== node && before(row.parentNode, node)) row.hidden = true;
      });
    } else {
      hideTyping();
      if (!state.open) {
        state.unread += 1;
        badge.textContent = String(state.unread);
        badge.hidden = false;
      }
    }
    if (stick || m.sender === "customer") scrollDown();
  }

  function addPending(item) {
    var key = "c" + item.client_id;
    if (state.rendered[key]) return;
    var node = buildMessage({ sender: "customer", text: item.text, created_at: item.created_at });
    node.classList.add("tw-msg--pending");
    node.setAttribute("data-status", "pending");
    state.rendered[key] = node;
    relabel(node);
    logEl.appendChild(node);
    scrollDown();
  }

  function markFailed(clientId, reason) {
    dropFromOutbox(clientId);
    var node = state.rendered["c" + clientId];
    if (!node) return;
    node.classList.remove("tw-msg--pending");
    node.classList.add("tw-msg--failed");
    node.setAttribute("data-status", "failed");
    node.setAttribute("data-error", reason || "");
    relabel(node);
  }

  function reasonFor(code, retryAfter) {
    if (code === "too_long") return t("tooLong").replace("{n}", String(MAX_CHARS));
    if (code === "rate_limited") return t("rateLimited").replace("{s}", String(retryAfter || 10));
    if (code === "empty") return t("empty");
    return t("notText");
  }

  function showTyping() {
    typingEl.hidden = false;
    clearTimeout(state.typingTimer);
    // A lost reply must not leave the dots running for ever.
    state.typingTimer = setTimeout(hideTyping, 15000);
    if (nearBottom()) scrollDown();
  }

  function hideTyping() {
    clearTimeout(state.typingTimer);
    typingEl.hidden = true;
  }

  // -- outbox ---------------------------------------------------------------------------------
  function readOutbox() {
    var items = load(OUTBOX_KEY, []);
    return Array.isArray(items) ? items : [];
  }

  function dropFromOutbox(clientId) {
    var items = readOutbox();
    var kept = items.filter(function (i) {
      return i.client_id !== clientId;
    });
    if (kept.length !== items.length) save(OUTBOX_KEY, kept);
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function submit(text) {
    if (typeof text !== "string" || !text.trim()) {
      showNotice(t("empty"));
      return false;
    }
    if (text.length > MAX_CHARS) {
      showNotice(t("tooLong").replace("{n}", String(MAX_CHARS)));
      return false;
    }
    showNotice("");
    var item = { client_id: newClientId(), text: text, created_at: new Date().toISOString() };
    var items = readOutbox();
    items.push(item);
    save(OUTBOX_KEY, items);
    addPending(item);
    flush();
    return true;
  }

  function flush() {
    var items = readOutbox();
    if (!items.length) return;
    var ws = state.socket;
    if (ws && ws.ready && ws.readyState === WebSocket.OPEN) {
      items.forEach(function (item) {
        if (ws.sentIds[item.client_id]) return;
        ws.sentIds[item.client_id] = true;
        ws.send(JSON.stringify({ type: "message", text: item.text, client_id: item.client_id }));
      });
    } else if (state.fallback && state.online) {
      httpFlush();
    }
  }

  async function httpFlush() {
    if (state.httpBusy) return;
    state.httpBusy = true;
    try {
      await ensureSession();
      var items = readOutbox();
      for (var i = 0; i < items.length; i++) {
        var item = items[i];
        var res = await fetch(BASE + "/api/widget/messages", {
          method: "POST",
          headers: authHeaders({ "Content-Type": "application/json" }),
          body: JSON.stringify({ text: item.text, client_id: item.client_id }),
        });
        if (res.status === 401) {
          state.token = null;
          await ensureSession();
          break;
        }
        if (res.status === 429) {
          // Not received (sent too fast): shown by the message, not retried on its own.
          var limited = await res.json().catch(function () {
            return {};
          });
          markFailed(item.client_id, reasonFor("rate_limited", limited.retry_after));
          continue;
        }
        if (res.status === 413 || res.status === 422) {
          var body = await res.json().catch(function () {
            return {};
          });
          markFailed(item.client_id, res.status === 413 ? reasonFor("too_long") : body.detail || reasonFor("not_text"));
          continue;
        }
        if (!res.ok) {
          noteHttp(false);
          break; // the hub is struggling: keep the rest for the next try
        }
        noteHttp(true);
        var data = await res.json();
        addMessage(data.message);
        (data.replies || []).forEach(addMessage);
      }
    } catch (e) {
      noteHttp(false); // offline or the hub is down: the outbox keeps everything
    } finally {
      state.httpBusy = false;
    }
  }

  // -- session and history ------------------------------------------------------------------
  function authHeaders(headers) {
    headers = headers || {};
    headers.Authorization = "Bearer " + state.token;
    return headers;
  }

  async function openSession(withIdentity) {
    var body = { site: SITE, language: state.lang };
    if (withIdentity) {
      body.customer_id = CUSTOMER_ID;
      body.signature = SIGNATURE;
    } else if (typeof state.resume === "string") {
      body.resume = state.resume;
    }
    return fetch(BASE + "/api/widget/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  async function ensureSession() {
    // A token about to expire is replaced before use rather than refused mid-request.
    return state.token && Date.now() < state.tokenExpires ? true : startSession();
  }

  function setToken(token, expiresIn) {
    state.token = token;
    // Renew early (a minute, or half the lifetime if shorter), so a request in flight never
    // carries an expired token.
    var seconds = expiresIn || 0;
    state.tokenExpires = Date.now() + Math.max(seconds / 2, seconds - 60) * 1000;
  }

  async function startSession() {
    var res = await openSession(Boolean(CUSTOMER_ID && SIGNATURE));
    if (res.status === 403) {
      // The page's identity did not verify: chat on as an anonymous visitor.
      console.warn("Tandem widget: customer identity rejected; continuing anonymously.");
      res = await openSession(false);
    }
    if (res.status === 422 && state.resume) {
      state.resume = null; // a corrupted stored resume token: start afresh
      res = await openSession(false);
    }
    if (res.status === 404) {
      // The hub does not know this site: retrying cannot help.
      state.stopped = true;
      console.warn("Tandem widget: the hub does not know site " + SITE + ".");
    }
    if (!res.ok) throw new Error("session " + res.status);
    var data = await res.json();
    setToken(data.token, data.expires_in);
    state.verified = Boolean(data.customer_id);
    verifiedEl.hidden = !state.verified;
    if (data.resume) {
      state.resume = data.resume;
      save(RESUME_KEY, data.resume);
    }
    return true;
  }

  async function loadHistory(retried) {
    if (!state.token) return;
    var res;
    try {
      res = await fetch(BASE + "/api/widget/history", { headers: authHeaders() });
    } catch (e) {
      noteHttp(false); // the hub cannot be reached
      return;
    }
    noteHttp(res.status < 500);
    if (res.status === 401 && !retried) {
      state.token = null; // the hub no longer accepts it (e.g. a rotated key): start afresh
      await ensureSession();
      return loadHistory(true);
    }
    if (!res.ok) return;
    var data = await res.json();
    (data.messages || []).forEach(addMessage);
    root.setAttribute("data-conversation-state", data.state || "none");
  }

  // -- websocket with reconnect and HTTP fallback -------------------------------------------
  function connect() {
    clearTimeout(state.reconnectTimer);
    if (state.socket || !state.online || state.stopped) return;
    ensureSession()
      .then(function () {
        if (state.socket) return;
        var ws = new WebSocket(WS_BASE + "/api/widget/ws");
        ws.sentIds = {};
        ws.ready = false; // true once the hub accepted the auth frame
        state.socket = ws;
        var opened = false;
        ws.onopen = function () {
          // The token goes in the first frame, not the URL, so no access log records it.
          ws.send(JSON.stringify({ type: "auth", token: state.token }));
        };
        ws.onready = function () {
          opened = true;
          ws.ready = true;
          state.everConnected = true;
          state.attempts = 0;
          state.failedOpens = 0;
          setFallback(false);
          renderStatus();
          flush();
          loadHistory(); // catch up on anything pushed while disconnected
        };
        ws.onmessage = function (event) {
          var frame;
          try {
            frame = JSON.parse(event.data);
          } catch (e) {
            return;
          }
          onFrame(frame, ws);
        };
        ws.onclose = function (event) {
          if (state.socket === ws) state.socket = null;
          // 4401: the hub refused the token (expired, or a rotated key): a new session next.
          if (event && event.code === 4401) state.token = null;
          // A refused handshake is a blocked network or a token the hub no longer accepts;
          // the HTTP fallback tells them apart (a 401 there starts a new session).
          if (!opened) state.failedOpens += 1;
          // Two failed opens in a row: the network blocks websockets; use HTTP meanwhile.
          if (state.failedOpens >= 2) setFallback(true);
          renderStatus();
          scheduleReconnect();
        };
      })
      .catch(function () {
        state.failedOpens += 1;
        state.httpOk = false; // no session: the hub could not be reached over HTTP either
        renderStatus();
        scheduleReconnect();
      });
  }

  function scheduleReconnect() {
    clearTimeout(state.reconnectTimer);
    if (!state.online) return; // the "online" event reconnects
    var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, state.attempts));
    delay = delay / 2 + Math.random() * (delay / 2); // jitter spreads a reconnect storm
    state.attempts += 1;
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function setFallback(on) {
    if (state.fallback === on) return;
    state.fallback = on;
    clearInterval(state.pollTimer);
    if (on) {
      state.pollTimer = setInterval(function () {
        if (!state.online) return;
        httpFlush().then(function () { return loadHistory(false); });
      }, POLL_MS);
      httpFlush().then(function () { return loadHistory(false); });
    }
  }

  function onFrame(frame, ws) {
    if (frame.type === "ready") {
      ws.onready();
    } else if (frame.type === "token") {
      // The hub's refresh before the old one expires, or after a language switch.
      setToken(frame.token, frame.expires_in);
    } else if (frame.type === "language") {
      root.setAttribute("data-hub-lang", frame.language); // the hub answers in it now
    } else if (frame.type === "message") {
      addMessage(frame.message);
    } else if (frame.type === "typing") {
      if (frame.sender !== "customer") showTyping();
    } else if (frame.type === "resync") {
      loadHistory(); // the hub may have missed pushes for this thread (another replica's)
    } else if (frame.type === "ack") {
      addMessage(frame.message);
    } else if (frame.type === "error") {
      if (frame.client_id) markFailed(String(frame.client_id), reasonFor(frame.code, frame.retry_after));
      else console.warn("Tandem widget:", frame.detail);
    }
  }

  // -- open, close, language ----------------------------------------------------------------
  function setOpen(open) {
    state.open = open;
    save(PREFIX + "open", open);
    root.setAttribute("data-state", open ? "open" : "closed");
    launcher.setAttribute("aria-expanded", String(open));
    panel.hidden = !open;
    if (open) {
      state.unread = 0;
      badge.hidden = true;
      scrollDown();
      input.focus();
    }
  }

  function setLanguage(lang) {
    if (lang !== "vi" && lang !== "en") return;
    state.lang = lang;
    save(PREFIX + "lang", lang);
    applyLanguage(); // the widget's own labels switch at once
    tellHubLanguage(lang).catch(function () {});
  }

  // The hub answers the open conversation in the chosen language from the next message on,
  // and sends back a token carrying it, so a conversation opened later starts in it too.
  async function tellHubLanguage(lang) {
    var ws = state.socket;
    if (ws && ws.ready && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify({ type: "language", language: lang })); // a "token" frame follows
      return;
    }
    if (!state.token) {
      await startSession(); // no session yet: the new one is opened in this language
      return;
    }
    var res = await fetch(BASE + "/api/widget/language", {
      method: "POST",
      headers: authHeaders({ "Content-Type": "application/json" }),
      body: JSON.stringify({ language: lang }),
    });
    if (res.status === 401) {
      state.token = null; // no longer accepted: a new session, opened in this language
      await startSession();
      return;
    }
    if (!res.ok) throw new Error("language " + res.status);
    var data = await res.json();
    setToken(data.token, data.expires_in);
    root.setAttribute("data-hub-lang", data.language);
  }

  launcher.addEventListener("click", function () {
    setOpen(!state.open);
  });
  closeBtn.addEventListener("click", function () {
    setOpen(false);
    launcher.focus();
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      setOpen(false);
      launcher.focus();
    }
  });
  langBtn.addEventListener("click", function () {
    setLanguage(state.lang === "vi" ? "en" : "vi");
  });
  humanBtn.addEventListener("click", function () {
    submit(HUMAN_PAYLOAD);
  });
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
  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  }
  input.addEventListener("input", autosize);

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

  // -- start ------------------------------------------------------------------------------------
  function start() {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = BASE + "/widget/tandem-widget.css";
    document.head.appendChild(css);
    document.body.appendChild(root);
    applyLanguage();
    setOpen(state.open);
    readOutbox().forEach(addPending); // unsent messages from before a reload or drop
    ensureSession()
      .then(function () { return loadHistory(false); })
      .catch(function () {})
      .then(connect);
  }

  window.TandemWidget = {
    open: function () {
      setOpen(true);
    },
    close: function () {
      setOpen(false);
    },
    setLanguage: setLanguage,
    send: submit,
  };

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
