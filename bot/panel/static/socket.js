// The agent websocket, with reconnect. The hub's database is the source of truth: after a
// reconnect the panel re-reads the queue and the open conversation, so a push missed while
// the socket was down is never lost.

// Close codes after which reconnecting cannot help: the session ended (4401) or this page's
// origin is not allowed (4403).
const FINAL_CLOSE = new Set([4401, 4403]);

export class LiveSocket {
  constructor({ onEvent, onOpen, onStatus, onEnded }) {
    this.onEvent = onEvent;
    this.onOpen = onOpen;
    this.onStatus = onStatus;
    this.onEnded = onEnded;
    this.ws = null;
    this.watching = null;
    this.attempt = 0;
    this.closed = false;
    this.timer = null;
  }

  connect() {
    this.closed = false;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/api/ws/agent`);
    this.ws = ws;
    this.onStatus("connecting");
    ws.addEventListener("open", () => {
      const reconnect = this.attempt > 0;
      this.attempt = 0;
      this.onStatus("live");
      if (this.watching) this.send({ type: "watch", conversation_id: this.watching });
      this.onOpen(reconnect);
    });
    ws.addEventListener("message", (event) => {
      try {
        this.onEvent(JSON.parse(event.data));
      } catch (err) {
        console.error("bad push", err);
      }
    });
    ws.addEventListener("close", (event) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closed) return;
      this.onStatus("offline");
      if (FINAL_CLOSE.has(event.code)) {
        this.closed = true;
        this.onEnded(event.code, event.reason);
        return;
      }
      // Back off up to 10 s so a restarting hub is not hammered by every panel at once.
      const delay = Math.min(10000, 500 * 2 ** this.attempt) * (0.75 + Math.random() / 2);
      this.attempt += 1;
      this.timer = setTimeout(() => this.connect(), delay);
    });
  }

  send(data) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(data));
  }

  watch(conversationId) {
    this.watching = conversationId;
    this.send({ type: "watch", conversation_id: conversationId });
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close();
    this.ws = null;
  }
}
