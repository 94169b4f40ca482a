"""A call-back just booked, moved to the time the customer corrects it to ("à nhầm, 4h
chiều mai nhé" right after the confirmation). Without this the correction reads as a detail
with nothing asked, and the booking keeps the wrong time."""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.clients.hub import HubError
from actions.common import call_hub, language
from actions.texts import LOCAL_TZ, format_window, hub_moment, t
from actions.validation import parse_preferred_time
from chattext.when import Window, names_a_day

BOOKING = "action_schedule_callback"
# What Rasa runs between two turns that says nothing about the conversation.
_QUIET_ACTIONS = {"action_listen", "action_session_start", "action_restart"}


def just_booked(tracker: Tracker) -> bool:
    """True when the bot's last turn, before this message, booked a call-back."""
    events = list(tracker.events)
    users = [i for i, e in enumerate(events) if e.get("event") == "user"]
    if not users:
        return False
    for event in reversed(events[: users[-1]]):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") not in _QUIET_ACTIONS:
            return event.get("name") == BOOKING
    return False


async def move_booked_callback(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """Move the call-back just booked to the time this message names; True when the
    message was taken as that correction (and answered)."""
    if not just_booked(tracker):
        return False
    text = str((tracker.latest_message or {}).get("text") or "")
    window = Window.from_text(parse_preferred_time(text) or "")
    if window is None:
        return False
    lang = language(tracker)
    sender = tracker.sender_id
    try:
        found = await call_hub(lambda hub: hub.list_callbacks(sender, None, None))
        booked = next((c for c in found if c.get("status") == "scheduled"), None)
        if booked is None:
            return False
        if not names_a_day(text):
            window = on_booked_day(window, booked.get("window_start"))
        start, end = window.start.isoformat(), window.end.isoformat()
        moved = await call_hub(lambda hub: hub.move_callback(booked["id"], sender, start, end))
    except HubError:
        dispatcher.utter_message(text=t("hub_unavailable", lang))
        return True
    if hours_moved(window, moved.get("window_start")):
        dispatcher.utter_message(text=t("callback_moved", lang))
    confirmed = format_window(moved.get("window_start"), moved.get("window_end"), lang)
    dispatcher.utter_message(
        text=t(
            "callback_rescheduled", lang, reference=moved.get("reference", "—"), window=confirmed
        )
    )
    return True


def on_booked_day(window: Window, booked_start: object) -> Window:
    """A correction that names only an hour ("thôi 2h chiều đi") keeps the booked day,
    unless that hour of it has passed."""
    booked = hub_moment(str(booked_start))
    if booked is None:
        return window
    day = booked.date()
    start = window.start.astimezone(LOCAL_TZ)
    moved = datetime.combine(day, start.timetz())
    if moved <= datetime.now(LOCAL_TZ):
        return window
    return Window(moved, moved + (window.end - window.start))


def hours_moved(asked: Window, booked_start: object) -> bool:
    """True when the hub booked another start than the one the customer asked for (it
    keeps call-backs within the bank's calling hours)."""
    start = hub_moment(str(booked_start))
    return start is not None and start != asked.start
