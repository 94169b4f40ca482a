"""Rasa's check of the action server's answers, with its schema checked once.

Rasa 3.6 checks every answer of the action server against a fixed JSON schema with
``jsonschema.validate``, which first checks the schema itself against the JSON Schema
meta-schema (draft 2020-12, whose dynamic references are slow to resolve), then the
answer. The schema never changes, yet its check was about 17 % of Rasa's CPU per message
on the demo stack, against 0.2 % for the answer itself (docs/benchmarks.md, "Rasa's CPU per
message"). ``install`` makes Rasa check answers with a validator built once, after the
schema was checked once: the same answers pass, the same answers fail with the same
error and message.

Installed when Rasa loads this project's NLU components (``nlu.tokenizer`` imports this
module), so every Rasa process that serves the project's model has it, however started.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


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


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
