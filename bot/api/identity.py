"""Customers' identity checks for the action server: card digits + date of birth against a
named customer, one-time codes to the registered phone, and what each conversation has
proved (part of the internal API, behind the service token).

A check always names its target: the signed-in customer's id, or the phone number the
customer says is registered with the bank. It is never "whoever matches". Every check is
throttled (``bot.access.identity_throttle``) per visitor, client address and target. A
passed card check ("card_dob") is enough to block a card; balances, due dates and
applications need the signed-in identity or a one-time code on top ("otp"), and
``account_allowed`` is where the account endpoint checks that, from the hub's own record
rather than the action's word. A passed check also links the conversation's customer for
the agent's view (``bot.access.customer_link``), in the same transaction as its record."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.access import customer_link
from bot.access import identity_throttle as identity
from bot.access.deps import BrokerDep, CoreDep, DatabaseDep, SettingsDep
from bot.access.lockout import Lockout
from bot.api.params import MAX_DB_ID
from bot.assist.routes import OptionalEngine
from bot.channels import sms
from bot.config.settings import Settings
from bot.core import Core
from bot.handoff.callbacks import normalise_phone
from bot.pipeline.sender import sender_conversation
from bot.realtime import events
from bot.realtime.broker import Broker
from bot.store.db import Database
from bot.store.models import Alert, Conversation, Customer, IdentityCheck
from bot.store.times import aware, utc_now
from chattext.dates import parse_date_field

log = logging.getLogger(__name__)

router = APIRouter(tags=["internal"])

CARD_DOB: Literal["card_dob"] = "card_dob"
OTP: Literal["otp"] = "otp"
SMS_TEXT = (
    "Sen Vang: ma xac minh cua quy khach la {code}, hieu luc {minutes} phut. Khong chia se "
    "ma nay voi bat ky ai. / Your Sen Vang code is {code}, valid {minutes} min. Never share it."
)


async def conversation_of(session: AsyncSession, sender_id: str) -> Conversation | None:
    conv_id = sender_conversation(sender_id)
    if conv_id is None or conv_id > MAX_DB_ID:
        return None
    return await session.get(Conversation, conv_id)


def scopes_for(conv: Conversation | None, sender_id: str, target: str | None) -> identity.Scopes:
    """The visitor is the conversation's channel thread (a new conversation on the same
    widget visitor or Telegram chat counts with the old ones); the address is the latest
    client address intake saw, when it recorded one."""
    if conv is not None:
        visitor = f"{conv.channel}:{conv.channel_key}"
        address = (conv.context or {}).get("address")
    else:
        visitor, address = f"sender:{sender_id}", None
    return identity.Scopes(
        visitor=visitor, address=address if isinstance(address, str) else None, customer=target
    )


def refused_response(exc: identity.Refused) -> JSONResponse:
    retry, locked = exc.retry_after, exc.locked
    body = {"detail": str(exc), "verified": False, "retry_after": retry, "locked": locked}
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(retry)})


async def alert_lockouts(db: Database, broker: Broker, lockouts: list[Lockout]) -> None:
    """Someone keeps guessing a customer's identity: supervisors see it at once."""
    if not lockouts:
        return
    texts = [
        f"{lock.failures} failed identity checks for {lock.scope} "
        f"{identity.mask(lock.scope, lock.key)}: locked until {lock.until:%H:%M} UTC."
        for lock in lockouts
    ]
    async with db.session() as session:
        session.add_all(
            Alert(kind="identity_lockout", audience="supervisor", text=t) for t in texts
        )
        await session.commit()
    for text in texts:  # after the commit: a panel that re-reads /api/alerts finds them
        log.warning("Identity lockout: %s", text)
        frame = events.AlertFrame(type="alert", kind="identity_lockout", text=text)
        events.publish(broker, events.SUPERVISORS, frame)


class VerifyIn(BaseModel):
    sender_id: str = Field(min_length=1, max_length=128)
    # The target: the signed-in customer, else the phone registered with the bank.
    customer_id: str | None = Field(default=None, max_length=32)
    phone: str | None = Field(default=None, max_length=32)
    card_last4: str = Field(pattern=r"^\d{4}$")
    dob: str = Field(max_length=20)


class VerifyOut(BaseModel):
    verified: bool
    customer_id: str | None = None
    name: str | None = None
    level: Literal["card_dob"] | None = None
    locked: bool = False


@router.post("/identity/verify", response_model=VerifyOut)
async def verify_identity(
    body: VerifyIn,
    assist: OptionalEngine,
    core: CoreDep,
    db: DatabaseDep,
    settings: SettingsDep,
    broker: BrokerDep,
) -> Any:
    """Card digits + birth date against the named customer only; throttled."""
    if not body.customer_id and not body.phone:
        raise HTTPException(422, "Name the customer to check: customer_id or phone.")
    phone = normalise_phone(body.phone) if body.phone and not body.customer_id else None
    if body.phone and not body.customer_id and phone is None:
        raise HTTPException(422, "That is not a valid Vietnamese phone number.")
    dob = parse_date_field(body.dob)
    if dob is None:
        raise HTTPException(422, "The date of birth is not a date.")
    async with db.reader() as session:
        conv = await conversation_of(session, body.sender_id)
        if body.customer_id:
            customer = await session.get(Customer, body.customer_id)
            target = body.customer_id
        else:
            customer = await session.scalar(
                select(Customer).where(Customer.phone == phone).order_by(Customer.id).limit(1)
            )
            # An unknown number is throttled like a customer, so guessing numbers is too.
            target = customer.id if customer else f"tel:{phone}"
        matched = (
            customer is not None
            and customer.dob == dob
            and any(card.last4 == body.card_last4 for card in customer.cards)
        )
        found_id, name = (customer.id, customer.name) if customer else (None, None)
    scopes = scopes_for(conv, body.sender_id, target)
    try:
        await identity.charge(db, settings, scopes)
    except identity.Refused as exc:
        return refused_response(exc)
    if not matched or found_id is None:
        lockouts = await identity.failed(db, settings, scopes)
        await alert_lockouts(db, broker, lockouts)
        # Same answer whether the phone is unknown or the digits are wrong.
        return VerifyOut(verified=False, locked=bool(lockouts))
    await identity.succeeded(db, settings, scopes)
    linked = await _record(core, db, body.sender_id, conv, found_id, CARD_DOB, "card_dob")
    if linked:
        customer_link.refresh_offer(core, assist, linked)
    return VerifyOut(verified=True, customer_id=found_id, name=name, level=CARD_DOB)


async def _record(
    core: Core,
    db: Database,
    sender_id: str,
    conv: Conversation | None,
    customer_id: str,
    level: Literal["card_dob"],
    how: str,
) -> int | None:
    """What this conversation has proved, and its customer linked for the agent's view, in
    one transaction. A card check never lowers a passed code check for the same customer;
    a check for another customer replaces the record. Returns the id of a conversation
    whose link changed."""
    async with db.session() as session:
        row = await session.get(IdentityCheck, sender_id)
        if row is None:
            row = IdentityCheck(sender_id=sender_id, otp_tries_left=0, otp_sends=0)
            session.add(row)
        elif row.customer_id != customer_id:
            row.otp_hash, row.otp_expires_at, row.otp_tries_left, row.otp_sends = None, None, 0, 0
        if not (row.customer_id == customer_id and row.level == OTP and level == CARD_DOB):
            row.conversation_id = conv.id if conv else None
            row.customer_id, row.level, row.how = customer_id, level, how
            row.verified_at = utc_now()
        linked = await _link(core, session, conv, customer_id, level)
        await session.commit()
    return linked


async def _link(
    core: Core,
    session: AsyncSession,
    conv: Conversation | None,
    customer_id: str,
    level: Literal["card_dob", "otp"],
) -> int | None:
    """Link the checked customer to the conversation (``bot.access.customer_link``); the id of a
    conversation that changed."""
    if conv is None:
        return None
    stored = await session.get(Conversation, conv.id)
    customer = await session.get(Customer, customer_id)
    if stored is None or customer is None:
        return None
    changed = await customer_link.link_verified(core, session, stored, customer, level)
    return stored.id if changed else None


def _fresh(row: IdentityCheck | None, settings: Settings, now: datetime) -> bool:
    verified = aware(row.verified_at) if row else None
    return verified is not None and now - verified <= timedelta(
        seconds=settings.identity_verified_ttl_s
    )


def _code_hash(settings: Settings, sender_id: str, code: str) -> str:
    # Keyed: six digits are a million values, so a plain hash in a copied database would
    # give the code away at once.
    key = settings.secret_key.encode()
    return hmac.new(key, f"{sender_id}:{code}".encode(), hashlib.sha256).hexdigest()


class OtpIn(BaseModel):
    sender_id: str = Field(min_length=1, max_length=128)


class OtpOut(BaseModel):
    sent: bool
    reason: Literal["unavailable", "too_many", "not_verified", "failed"] | None = None
    expires_in: int | None = None
    tries: int | None = None


@router.post("/identity/otp", response_model=OtpOut)
async def send_otp(body: OtpIn, db: DatabaseDep, settings: SettingsDep) -> OtpOut:
    """Send a one-time code to the registered phone of the customer this conversation has
    just passed the card check for."""
    now = utc_now()
    if not sms.available(settings):
        return OtpOut(sent=False, reason="unavailable")
    code = f"{secrets.randbelow(10**6):06d}"
    async with db.session() as session:
        row = await session.get(IdentityCheck, body.sender_id)
        if row is None or not _fresh(row, settings, now):
            return OtpOut(sent=False, reason="not_verified")
        if row.otp_sends >= settings.identity_otp_max_sends:
            return OtpOut(sent=False, reason="too_many")
        customer = await session.get(Customer, row.customer_id)
        phone = normalise_phone(customer.phone or "") if customer else None
        if phone is None:
            return OtpOut(sent=False, reason="unavailable")
        row.otp_hash = _code_hash(settings, body.sender_id, code)
        row.otp_expires_at = now + timedelta(seconds=settings.identity_otp_ttl_s)
        row.otp_tries_left = settings.identity_otp_tries
        row.otp_sends += 1
        await session.commit()
    # The gateway may take seconds: no transaction is open while it runs.
    minutes = max(1, round(settings.identity_otp_ttl_s / 60))
    try:
        await sms.send_sms(settings, phone, SMS_TEXT.format(code=code, minutes=minutes))
    except sms.SmsUnavailable:
        async with db.session() as session:
            await session.execute(
                update(IdentityCheck)
                .where(IdentityCheck.sender_id == body.sender_id)
                .values(otp_hash=None, otp_expires_at=None, otp_tries_left=0)
            )
            await session.commit()
        return OtpOut(sent=False, reason="failed")
    return OtpOut(
        sent=True, expires_in=int(settings.identity_otp_ttl_s), tries=settings.identity_otp_tries
    )


class OtpVerifyIn(BaseModel):
    sender_id: str = Field(min_length=1, max_length=128)
    code: str = Field(pattern=r"^\d{6}$")


class OtpVerifyOut(BaseModel):
    verified: bool
    customer_id: str | None = None
    level: Literal["otp"] | None = None
    reason: Literal["wrong", "expired"] | None = None
    tries_left: int = 0
    locked: bool = False


@router.post("/identity/otp/verify", response_model=OtpVerifyOut)
async def verify_otp(
    body: OtpVerifyIn,
    assist: OptionalEngine,
    core: CoreDep,
    db: DatabaseDep,
    settings: SettingsDep,
    broker: BrokerDep,
) -> Any:
    """Check a one-time code; a right one raises the conversation to level "otp"."""
    now = utc_now()
    async with db.reader() as session:
        row = await session.get(IdentityCheck, body.sender_id)
        conv = await conversation_of(session, body.sender_id)
        target = row.customer_id if row else None
        pending = row is not None and row.otp_hash is not None
    if not pending or target is None:
        return OtpVerifyOut(verified=False, reason="expired")
    scopes = scopes_for(conv, body.sender_id, target)
    try:
        await identity.charge(db, settings, scopes)
    except identity.Refused as exc:
        return refused_response(exc)
    tries_left = 0
    linked: int | None = None
    async with db.session() as session:
        # One try is used up atomically before comparing, so parallel guesses cannot
        # share a try.
        used = await session.execute(
            update(IdentityCheck)
            .where(
                IdentityCheck.sender_id == body.sender_id,
                IdentityCheck.otp_hash.is_not(None),
                IdentityCheck.otp_tries_left > 0,
                IdentityCheck.otp_expires_at > now,
            )
            .values(otp_tries_left=IdentityCheck.otp_tries_left - 1)
            .execution_options(synchronize_session=False)
        )
        row = await session.get(IdentityCheck, body.sender_id, populate_existing=True)
        if used.rowcount == 0 or row is None or row.otp_hash is None:  # type: ignore[attr-defined]
            await session.commit()
            expired = True
            right = False
        else:
            expired = False
            right = hmac.compare_digest(
                row.otp_hash, _code_hash(settings, body.sender_id, body.code)
            )
            if right:
                row.level, row.how, row.verified_at = OTP, "card_dob+otp", now
                row.otp_hash, row.otp_expires_at, row.otp_tries_left = None, None, 0
                linked = await _link(core, session, conv, row.customer_id, OTP)
            elif row.otp_tries_left <= 0:
                row.otp_hash, row.otp_expires_at = None, None
            tries_left = row.otp_tries_left
            await session.commit()
    if expired:
        await identity.succeeded(db, settings, scopes)  # nothing was compared: no charge
        return OtpVerifyOut(verified=False, reason="expired")
    if right:
        await identity.succeeded(db, settings, scopes)
        if linked:
            customer_link.refresh_offer(core, assist, linked)
        return OtpVerifyOut(verified=True, customer_id=target, level=OTP)
    lockouts = await identity.failed(db, settings, scopes)
    await alert_lockouts(db, broker, lockouts)
    return OtpVerifyOut(
        verified=False,
        reason="wrong" if tries_left > 0 else "expired",
        tries_left=tries_left,
        locked=bool(lockouts),
    )


async def account_allowed(
    session: AsyncSession, settings: Settings, customer_id: str, sender_id: str
) -> bool:
    """May this conversation read the customer's balances, due dates and applications?
    Only as the customer the site signed for, or after a passed one-time code for that
    customer, recently. A card-level check or an agent's link shows the agent who the
    customer is; it never widens what the bot discloses (``bot.access.customer_link``)."""
    conv = await conversation_of(session, sender_id)
    if conv is not None and customer_link.bot_customer(conv) == customer_id:
        return True
    row = await session.get(IdentityCheck, sender_id)
    return (
        row is not None
        and row.customer_id == customer_id
        and row.level == OTP
        and _fresh(row, settings, utc_now())
    )
