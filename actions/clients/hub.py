"""Client for the hub's internal API, the actions' only way to customer data and knowledge.

Usage:
    client = HubClient.from_env()
    client.verify_identity("c12-0-0", None, "0901234567", "4821", "1988-03-14")

Settings come from the environment (`TANDEM_HUB_URL`, else `TANDEM_HUB_PORT` on the loopback
address; `TANDEM_SERVICE_TOKEN`) each time a client is built, so the action server and the
tests can point it anywhere. Calls are
synchronous; actions run them in a worker thread so one slow call does not stall the
action server's event loop.
"""

from __future__ import annotations

import os
from typing import Any

import requests

DEFAULT_HUB_PORT = "8000"
DEFAULT_SERVICE_TOKEN = "demo-only-not-secret"
DEFAULT_TIMEOUT_S = 5.0


class HubError(Exception):
    """The hub could not be reached or answered with an error."""


class HubNotFound(HubError):
    """The hub answered 404: the customer, card or record does not exist."""


class HubForbidden(HubError):
    """The hub answered 403: this conversation has not proved enough to see that data."""


class HubThrottled(HubError):
    """The hub refused an identity check unmade: too many failures for this visitor,
    address or customer. `locked` when it is a lockout rather than a short wait."""

    def __init__(self, retry_after_s: int, locked: bool) -> None:
        super().__init__(f"identity checks throttled for {retry_after_s} s")
        self.retry_after_s = retry_after_s
        self.locked = locked


def hub_url_from_env() -> str:
    """The hub's address as the hub's own settings derive it (tandem/settings.py)."""
    port = os.environ.get("TANDEM_HUB_PORT") or DEFAULT_HUB_PORT
    return os.environ.get("TANDEM_HUB_URL") or f"http://127.0.0.1:{port}"


class HubClient:
    """Thin wrapper over the hub's `/internal/...` endpoints."""

    def __init__(self, base_url: str, token: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self._session.headers["Authorization"] = f"Bearer {token}"

    @classmethod
    def from_env(cls) -> HubClient:
        return cls(
            hub_url_from_env(),
            os.environ.get("TANDEM_SERVICE_TOKEN", DEFAULT_SERVICE_TOKEN),
            float(os.environ.get("TANDEM_HUB_TIMEOUT_S", DEFAULT_TIMEOUT_S)),
        )

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        try:
            response = self._session.request(method, url, timeout=self.timeout_s, **kwargs)
            if response.status_code == 404:
                raise HubNotFound(f"{method} {path}: not found")
            if response.status_code == 403:
                raise HubForbidden(f"{method} {path}: forbidden")
            if response.status_code == 429:
                body = response.json()
                raise HubThrottled(int(body.get("retry_after") or 60), bool(body.get("locked")))
            response.raise_for_status()
            body = response.json()
        except HubError:
            raise
        except (requests.RequestException, ValueError) as exc:
            raise HubError(f"{method} {path} failed: {exc}") from exc
        if not isinstance(body, dict):
            raise HubError(f"{method} {path}: unexpected response shape")
        return body

    def answer(
        self,
        question: str,
        lang: str,
        sender_id: str | None = None,
        prefer: tuple[str, ...] = (),
    ) -> list[dict[str, Any]]:
        """Knowledge-base hits for a question, best first. The sender id lets the hub count
        which entry answered which conversation, and collect the questions it could not;
        `prefer` names the tags of the subject under way (a form's), which win near-ties."""
        params = {"q": question, "lang": lang}
        if sender_id:
            params["sender_id"] = sender_id
        if prefer:
            params["prefer"] = ",".join(prefer)
        body = self._request("GET", "/internal/knowledge/answer", params=params)
        return list(body.get("hits") or [])

    def report_gap(self, text: str, lang: str, sender_id: str | None) -> None:
        """A question the bot did not understand, for the knowledge managers' gap inbox."""
        payload = {"text": text, "lang": lang, "sender_id": sender_id, "source": "nlu_fallback"}
        self._request("POST", "/internal/knowledge/gaps", json=payload)

    def verify_identity(
        self,
        sender_id: str,
        customer_id: str | None,
        phone: str | None,
        card_last4: str,
        dob: str,
    ) -> dict[str, Any]:
        """Card digits and birth date against the named customer (signed-in id, else the
        registered phone): `{"verified", "customer_id", "name", "level", "locked"}`.
        Raises HubThrottled when the hub refuses to check."""
        payload = {
            "sender_id": sender_id,
            "customer_id": customer_id,
            "phone": phone,
            "card_last4": card_last4,
            "dob": dob,
        }
        return self._request("POST", "/internal/identity/verify", json=payload)

    def send_otp(self, sender_id: str) -> dict[str, Any]:
        """Text a one-time code to the customer this conversation passed the card check
        for: `{"sent": bool, "reason": ...}`."""
        return self._request("POST", "/internal/identity/otp", json={"sender_id": sender_id})

    def verify_otp(self, sender_id: str, code: str) -> dict[str, Any]:
        """`{"verified", "customer_id", "level", "reason", "tries_left"}`; raises
        HubThrottled when the hub refuses to check."""
        payload = {"sender_id": sender_id, "code": code}
        return self._request("POST", "/internal/identity/otp/verify", json=payload)

    def block_card(self, customer_id: str, card_last4: str, reason: str) -> dict[str, Any]:
        """Block a card; raises HubNotFound when the customer has no such card."""
        payload = {"customer_id": customer_id, "card_last4": card_last4, "reason": reason}
        return self._request("POST", "/internal/cards/block", json=payload)

    def account(self, customer_id: str, sender_id: str) -> dict[str, Any]:
        """Cards (due dates, balances) and applications of one customer; raises
        HubForbidden unless the conversation is signed in as them or passed a code."""
        return self._request(
            "GET",
            f"/internal/customers/{requests.utils.quote(customer_id)}/account",
            params={"sender_id": sender_id},
        )

    def create_callback(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Record a call-back request; returns its reference and scheduled window."""
        return self._request("POST", "/internal/callbacks", json=payload)

    def move_callback(
        self, callback_id: int, sender_id: str, window_start: str, window_end: str
    ) -> dict[str, Any]:
        """Move a scheduled call-back of this conversation's thread to another window."""
        body = {"sender_id": sender_id, "window_start": window_start, "window_end": window_end}
        return self._request("POST", f"/internal/callbacks/{int(callback_id)}/window", json=body)

    def list_callbacks(
        self, sender_id: str | None, customer_id: str | None, phone: str | None
    ) -> list[dict[str, Any]]:
        """Call-backs matching any of the given keys."""
        params = {
            k: v
            for k, v in (("sender_id", sender_id), ("customer_id", customer_id), ("phone", phone))
            if v
        }
        body = self._request("GET", "/internal/callbacks", params=params)
        return list(body.get("callbacks") or [])
