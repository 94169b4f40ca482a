"""Who a widget speaks for, from proof only: a site's signature of its signed-in customer
(HMAC-SHA256 of the customer id with the site secret, as Chatwoot's identity validation
does), or an anonymous visitor id the hub makes itself, in a separate key space. Signed
session tokens carry that identity; resume tokens bring a visitor back to their thread.
``widget_identity`` is the one permission check of the widget's HTTP API."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, WebSocket
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bot.access.deps import settings_of

TOKEN_SALT = "widget-session"
RESUME_SALT = "widget-resume"
# Sizes keep "<site>:c:<customer id>:<client id>" within the 128 characters stored.
SITE_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
CUSTOMER_ID_PATTERN = r"^[A-Za-z0-9_.@-]{1,32}$"
CLIENT_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,40}$"

bearer = HTTPBearer(auto_error=False, description="The widget token from POST /session.")


def sign_customer(secret: str, customer_id: str) -> str:
    return hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WidgetIdentity:
    """Who a widget token speaks for: one thread (``key``) and, if signed, one customer."""

    site: str
    key: str
    customer_id: str | None
    language: str | None

    def payload(self) -> dict[str, Any]:
        return {
            "site": self.site,
            "key": self.key,
            "customer_id": self.customer_id,
            "language": self.language,
        }


def customer_key(site: str, customer_id: str) -> str:
    return f"{site}:c:{customer_id}"


def new_visitor_key(site: str) -> str:
    # 18 random bytes: 144 bits, well beyond guessing.
    return f"{site}:v:{secrets.token_urlsafe(18)}"


@lru_cache(maxsize=16)
def _serializer(secret_key: str, salt: str) -> URLSafeTimedSerializer:
    # Built once per key and salt: building one (its signer, its JSON check) was a visible
    # share of each widget request's CPU.
    return URLSafeTimedSerializer(secret_key, salt=salt)


def serializer(conn: Request | WebSocket, salt: str) -> URLSafeTimedSerializer:
    return _serializer(settings_of(conn).secret_key, salt)


def issue_token(conn: Request | WebSocket, identity: WidgetIdentity) -> str:
    return str(serializer(conn, TOKEN_SALT).dumps(identity.payload()))


def read_token(conn: Request | WebSocket, token: str) -> WidgetIdentity:
    """The identity a token carries; 401 when it is forged, malformed or expired."""
    max_age = settings_of(conn).widget_token_ttl_s
    try:
        data = serializer(conn, TOKEN_SALT).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise HTTPException(401, "The widget session token has expired.") from exc
    except BadSignature as exc:
        raise HTTPException(401, "Invalid widget session token.") from exc
    try:
        return WidgetIdentity(
            site=str(data["site"]),
            key=str(data["key"]),
            customer_id=data.get("customer_id"),
            language=data.get("language"),
        )
    except (KeyError, TypeError) as exc:  # a token of an older format
        raise HTTPException(401, "Invalid widget session token.") from exc


def resume_key(request: Request, site: str, resume: str | None) -> str | None:
    """The anonymous thread a resume token names, if it is genuine, recent and this site's."""
    if not resume:
        return None
    max_age = settings_of(request).widget_resume_ttl_s
    try:
        data = serializer(request, RESUME_SALT).loads(resume, max_age=max_age)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("site") != site:
        return None
    key = data.get("key")
    return key if isinstance(key, str) and key.startswith(f"{site}:v:") else None


async def widget_identity(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> WidgetIdentity:
    """The one permission check of the widget's HTTP API."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            "Send the widget token as 'Authorization: Bearer <token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return read_token(request, credentials.credentials)


WidgetAuth = Annotated[WidgetIdentity, Depends(widget_identity)]
