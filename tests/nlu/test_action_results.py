"""Rasa checks the action server's answers as before, with the schema checked once, and a
custom action that cannot run leaves a word for the hub in the turn's replies."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

import nlu.tokenizer  # noqa: F401 - loading the model's components installs the check
from nlu import action_results

ROOT = Path(__file__).resolve().parents[2]
ANSWERS: list[dict[str, Any]] = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "card_last4", "value": "5560"}], "responses": []},
    {"events": [{"event": "active_loop", "name": None}], "responses": [{"text": "Xin chào"}]},
    {"responses": [{"text": "ok", "buttons": [{"title": "Có", "payload": "/affirm"}]}]},
    {},
    # Not valid: an event that is not an object, a response that is not one, a list.
    {"events": ["slot"], "responses": []},
    {"events": [], "responses": ["text"]},
    {"events": [{"event": "slot", "name": 4}]},
    {"events": [{"event": "no_such_event"}]},
]


def _rasa_before(result: dict[str, Any]) -> str | None:
    """What Rasa 3.6 raised (jsonschema.validate on the same schema), as the error text."""
    try:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    except jsonschema.ValidationError as error:
        return error.message
    return None


@pytest.mark.parametrize("answer", ANSWERS)
def test_the_same_answers_pass_and_fail_with_the_same_error(answer: dict[str, Any]) -> None:
    action = RemoteAction("action_check", EndpointConfig("http://127.0.0.1:1"))
    before = _rasa_before(answer)
    if before is None:
        assert action._validate_action_result(answer) is True
    else:
        with pytest.raises(jsonschema.ValidationError) as raised:
            action._validate_action_result(answer)
        assert raised.value.message.startswith(before)
        assert "Failed to validate Action server response" in raised.value.message


def test_some_answers_above_are_refused() -> None:
    refused = [a for a in ANSWERS if _rasa_before(a) is not None]
    assert len(refused) >= 3


def test_the_schema_is_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    validator = action_results._schema_validator()
    checks: list[object] = []
    monkeypatch.setattr(type(validator), "check_schema", classmethod(lambda c, s: checks.append(s)))
    action = RemoteAction("action_check", EndpointConfig("http://127.0.0.1:1"))
    for answer in ANSWERS[:4]:
        action._validate_action_result(answer)
    assert checks == []
    assert RemoteAction._validate_action_result is action_results.validate_action_result


def _turn() -> tuple[Any, Any, Any]:
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    return CollectingOutputChannel(), DialogueStateTracker("web-41", []), Domain.empty()


def test_an_action_that_cannot_run_tells_the_turn_which_it_was() -> None:
    from rasa.shared.exceptions import RasaException

    channel, tracker, domain = _turn()
    # Nothing listens on port 1: the action server is down.
    action = RemoteAction("action_answer_faq", EndpointConfig("http://127.0.0.1:1/webhook"))
    with pytest.raises(RasaException):  # Rasa's own handling of the error is unchanged
        asyncio.run(action.run(channel, None, tracker, domain))
    assert channel.messages == [
        {"recipient_id": "web-41", "custom": {action_results.ACTION_FAILED: "action_answer_faq"}}
    ]


def test_a_form_rejecting_a_value_is_not_a_failure() -> None:
    from rasa.core.actions.action import ActionExecutionRejection

    async def rejects(*_: Any) -> Any:
        raise ActionExecutionRejection("validate_fraud_form", "not a card number")

    channel, tracker, domain = _turn()
    action = RemoteAction("validate_fraud_form", EndpointConfig("http://127.0.0.1:1/webhook"))
    with pytest.raises(ActionExecutionRejection):
        asyncio.run(
            action_results.telling_failures(rejects)(action, channel, None, tracker, domain)
        )
    assert channel.messages == []


def test_installing_twice_wraps_once() -> None:
    run = RemoteAction.run
    action_results.install()
    assert RemoteAction.run is run and getattr(run, "tells_failures", False)


def test_the_hub_reads_the_key_rasa_writes() -> None:
    reader = (ROOT / "bot" / "pipeline" / "bot_answer.py").read_text(encoding="utf-8")
    assert f'ACTION_FAILED = "{action_results.ACTION_FAILED}"' in reader
