"""Rasa and the action server's answers: checked with a schema checked once, and a failed
action told to the hub.

Rasa 3.6 checks every answer of the action server against a fixed JSON schema with
``jsonschema.validate``, which first checks the schema itself against the JSON Schema
meta-schema (draft 2020-12, whose dynamic references are slow to resolve), then the
answer. The schema never changes, yet its check was about 17 % of Rasa's CPU per message
on the demo stack, against 0.2 % for the answer itself (docs/benchmarks.md, "Rasa's CPU per
message"). ``install`` makes Rasa check answers with a validator built once, after the
schema was checked once: the same answers pass, the same answers fail with the same
error and message.

When a custom action cannot run (the action server is down, times out or fails with an
error other than a form's rejection), Rasa logs it and goes on with the turn as if it had
run. ``install`` also makes it say so on the turn's output channel, one custom message
``{"action_failed": "<action name>"}``, so the hub knows from the reply itself that the
turn is not an answer (``bot.pipeline.bot_answer``), instead of asking the action server for its
health after every turn.

Installed when Rasa loads this project's NLU components (``nlu.tokenizer`` imports this
module), so every Rasa process that serves the project's model has it, however started.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

# The key of the custom message a failed custom action leaves in the turn's replies; the hub
# reads the same key (bot/pipeline/bot_answer.py, ACTION_FAILED).
ACTION_FAILED = "action_failed"


@cache
def _schema_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)  # what jsonschema.validate did at every call
    return cls(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """``RemoteAction._validate_action_result`` with the validator built once: raises the
    error ``jsonschema.validate`` raises (its best match), with Rasa's advice appended."""
    error = best_match(_schema_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            "For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def telling_failures(run: Any) -> Any:
    """``RemoteAction.run`` that, when the action cannot run, leaves a custom message naming
    it on the output channel before Rasa handles the error as before. A form's validation
    that rejects a value (HTTP 400 from the action server) is not a failure."""

    async def run_telling_failures(
        self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> Any:
        try:
            return await run(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception:
            await output_channel.send_custom_json(tracker.sender_id, {ACTION_FAILED: self.name()})
            raise

    run_telling_failures.tells_failures = True  # type: ignore[attr-defined]
    return run_telling_failures


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
    if not getattr(RemoteAction.run, "tells_failures", False):
        RemoteAction.run = telling_failures(RemoteAction.run)  # type: ignore[method-assign]
