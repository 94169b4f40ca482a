"""The agent websocket: pushes queue, message, alert and suggestion events to the panel.

Clients may send {"type": "watch", "conversation_id": N} to follow one conversation live.
Every action is checked by bot.access.permissions exactly as its HTTP twin is, the session is
re-read on every action and periodically (it may be ended in another process), and the
socket closes with a code and a reason when it must stop:

- 4401: not signed in, or the session ended (signed out, password changed, revoked, timed out);
- 4403: the page's Origin is neither the hub's own nor a configured panel origin;
- 1003 / 1007: a binary frame, or text that is not JSON.

The first frame is {"type": "ready"}: from then on every push reaches this socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from bot.access import permissions, sessions
from bot.access.auth import signed_in
from bot.access.deps import BrokerDep, CoreDep, DatabaseDep, ServingDep, SettingsDep
from bot.config.settings import Settings
from bot.core import Core
from bot.realtime import events, presence
from bot.realtime.broker import Broker
from bot.store.db import Database
from bot.store.models import Conversation, User

router = APIRouter(prefix="/api", tags=["agent"])
log = logging.getLogger(__name__)

CLOSE_SIGNED_OUT = 4401
CLOSE_ORIGIN = 4403
CLOSE_BINARY = 1003
CLOSE_BAD_JSON = 1007
CLOSE_INTERNAL = 1011
MAX_ID = 2**63 - 1


def _origin(url: str) -> str:
    parts = urlsplit(url.strip().lower())
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def origin_allowed(websocket: WebSocket, settings: Settings) -> bool:
    """Browsers always send Origin with a websocket, and a page on another site must not
    ride an agent's cookie (cross-site websocket hijacking). Clients without a browser send
    no Origin and prove themselves with the cookie alone."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    scheme = "https" if websocket.url.scheme == "wss" else "http"
    own = {_origin(f"{scheme}://{websocket.headers.get('host', '')}"), _origin(settings.hub_url)}
    allowed = own | {_origin(o) for o in settings.panel_allowed_origins}
    return _origin(origin) in allowed - {""}


# Frames about one conversation that carry it inside (``events.conversation_frame`` and
# ``events.message_frame``) rather than as ``conversation_id``.
CONVERSATION_FRAMES = frozenset({"conversation", "message"})


class AgentConnection:
    """One open panel socket: pushes from the broker out, actions from the panel in. It
    reads the database, settings and broker it is given; the hub's ``core`` only goes to
    the presence check-in."""

    def __init__(
        self,
        websocket: WebSocket,
        user: User,
        session_id: int,
        inbox: asyncio.Queue[Any],
        *,
        core: Core,
        db: Database,
        settings: Settings,
        broker: Broker,
    ) -> None:
        self.websocket = websocket
        self.core = core
        self.db = db
        self.settings = settings
        self.broker = broker
        self.user = user
        self.session_id = session_id
        self.inbox = inbox
        self.watching: str | None = None
        self.close_with: tuple[int, str] | None = None
        self._last_conversation_event: dict[str, Any] | None = None

    async def _session_ended(self) -> bool:
        reason = await sessions.still_valid(self.db, self.settings, self.session_id)
        if reason is not None:
            self.close_with = (CLOSE_SIGNED_OUT, f"Session ended ({reason}). Sign in again.")
        return reason is not None

    async def pump(self) -> None:
        while True:
            try:
                event = await asyncio.wait_for(
                    self.inbox.get(), timeout=self.settings.session_recheck_s
                )
            except TimeoutError:
                if await self._session_ended():
                    return
                continue
            if event.get("type") == "session_ended":
                reason = event.get("reason", "revoked")
                self.close_with = (CLOSE_SIGNED_OUT, f"Session ended ({reason}). Sign in again.")
                return
            if self._repeats(event):
                continue
            await self.websocket.send_json(event)

    def _repeats(self, event: dict[str, Any]) -> bool:
        """A conversation's event reaches a panel that has the conversation open twice: it is
        published on the conversation's topic and then on the agents' one, and this socket
        hears both (``events.publish_conversation_event``). The second, equal copy follows
        the first and says nothing new: it is not sent. Frames that are not about one
        conversation (pings, health, replies to the panel's actions) are always sent."""
        if "conversation_id" not in event and event.get("type") not in CONVERSATION_FRAMES:
            return False
        if event == self._last_conversation_event:
            self._last_conversation_event = None  # a third equal one would be news
            return True
        self._last_conversation_event = event
        return False

    async def listen(self) -> None:
        while True:
            frame = await self.websocket.receive()
            if frame["type"] == "websocket.disconnect":
                return
            if frame.get("text") is None:
                self.close_with = (CLOSE_BINARY, "Send JSON text frames.")
                return
            try:
                data = json.loads(frame["text"])
            except (ValueError, RecursionError):
                self.close_with = (CLOSE_BAD_JSON, "That frame is not valid JSON.")
                return
            if await self._session_ended():
                return
            await self.act(data)

    def _reply_error(self, action: Any, status: int, detail: str) -> None:
        # Replies go through the inbox so only the pump ever writes to the socket.
        self.inbox.put_nowait(
            {"type": "error", "action": action, "status": status, "detail": detail}
        )

    async def act(self, data: Any) -> None:
        action = data.get("type") if isinstance(data, dict) else None
        if action != "watch":
            self._reply_error(action if isinstance(action, str) else None, 400, "Unknown action.")
            return
        conv_id = data.get("conversation_id")
        if isinstance(conv_id, bool) or not isinstance(conv_id, int) or not 0 < conv_id <= MAX_ID:
            self._reply_error(action, 422, "conversation_id must be a positive integer.")
            return
        # The same check as GET /api/conversations/{id}: same answer, same status.
        if not permissions.can_view_conversation(self.user, conv_id):
            self._reply_error(action, 403, "You may not view this conversation.")
            return
        async with self.db.session() as session:
            exists = await session.get(Conversation, conv_id) is not None
        if not exists:
            self._reply_error(action, 404, "No such conversation.")
            return
        broker = self.broker
        if self.watching:
            broker.remove_topic(self.inbox, self.watching)
        self.watching = events.conv(conv_id)
        broker.add_topic(self.inbox, self.watching)
        self.inbox.put_nowait({"type": "watching", "conversation_id": conv_id})

    async def heartbeat(self) -> None:
        """Presence is this live connection: check in while it lasts. The ping also finds a
        dead peer (a laptop lid closed) that never sent a close."""
        every = max(0.5, self.settings.presence_timeout_s / 3)
        while True:
            await presence.touch(self.core, self.user.id)
            self.inbox.put_nowait({"type": "ping"})
            await asyncio.sleep(every)

    def stop(self) -> None:
        if self.watching:
            self.broker.remove_topic(self.inbox, self.watching)


@router.websocket("/ws/agent")
async def agent_socket(
    websocket: WebSocket,
    serving: ServingDep,
    core: CoreDep,
    db: DatabaseDep,
    settings: SettingsDep,
    broker: BrokerDep,
) -> None:
    # Accept first: a close frame before the handshake completes carries no code or reason.
    await websocket.accept()
    if not origin_allowed(websocket, settings):
        await websocket.close(CLOSE_ORIGIN, "This origin may not open the agent socket.")
        return
    found = await signed_in(websocket, db, settings)
    if found is None or not permissions.is_staff(found.user):
        await websocket.close(CLOSE_SIGNED_OUT, "Sign in first.")
        return
    topics = [events.session(found.session.id), *permissions.live_topics(found.user)]
    async with broker.subscribe(*topics) as inbox:
        conn = AgentConnection(
            websocket,
            found.user,
            found.session.id,
            inbox,
            core=core,
            db=db,
            settings=settings,
            broker=broker,
        )
        # Tells the client its pushes now flow (anything published from here on arrives).
        inbox.put_nowait({"type": "ready", "user": found.user.username, "topics": topics[1:]})
        inbox.put_nowait(dict(events.HealthFrame(type="health", bot=serving.health.snapshot())))
        beating = asyncio.create_task(conn.heartbeat())
        tasks = {asyncio.create_task(conn.pump()), asyncio.create_task(conn.listen())}
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                error = None if task.cancelled() else task.exception()
                if isinstance(error, (WebSocketDisconnect, RuntimeError, OSError)):
                    conn.close_with = None  # the client vanished mid-send: an ordinary end
                elif error is not None:
                    log.error("agent socket failed", exc_info=error)
                    conn.close_with = (CLOSE_INTERNAL, "The hub hit an error; reconnect.")
        finally:
            for task in (*tasks, beating):
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
            conn.stop()
        if conn.close_with is not None:
            with contextlib.suppress(Exception):
                await websocket.close(*conn.close_with)
