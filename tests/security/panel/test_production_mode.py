"""Production mode: no interactive API docs or schema, and no guessable secrets (each
refusal says how to make a good one). Demo mode keeps working with its placeholders."""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tandem.settings import DEMO_SECRET, Settings
from tests.support.stack import APP_BIN, ROOT, HubProcess

WEAK = [
    "aaaaaaaaaaaaaaaa",
    " " * 16,
    "",
    "short-secret",
    "abcabcabcabcabcabcabc",
    "0123456789abcdef",
    "Password1234567!",
    DEMO_SECRET,
    # Many different characters, yet guessable: words, repeats, a keyboard row.
    "changeme-changeme-changeme",
    DEMO_SECRET + DEMO_SECRET,
    "qwertyuiopasdfghjkl",
    # A strong-looking tail does not hide it (fixed, so every test worker collects the same ids).
    f"x{DEMO_SECRET.upper()}-7guOCXfoKV6Y4Gp6zAeXz9kpIcufDhfe",
]
MAKE = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


def strong() -> str:
    return secrets.token_urlsafe(32)


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "mode": "production",
        "secret_key": strong(),
        "service_token": strong(),
        "widget_sites": {"bank": strong()},
        "telegram_mode": "webhook",
        "telegram_webhook_secret": strong(),
        "telegram_token": f"7012345678:{secrets.token_urlsafe(26)}",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("weak", WEAK)
@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("secret_key", "TANDEM_SECRET_KEY"),
        ("service_token", "TANDEM_SERVICE_TOKEN"),
        ("widget_sites", "widget site 'bank'"),
        ("telegram_webhook_secret", "TANDEM_TELEGRAM_WEBHOOK_SECRET"),
        ("telegram_token", "TANDEM_TELEGRAM_TOKEN"),
    ],
)
def test_guessable_secrets_are_refused_with_a_recipe(weak: str, field: str, name: str) -> None:
    value: object = {"bank": weak} if field == "widget_sites" else weak
    with pytest.raises(RuntimeError) as refused:
        production(**{field: value}).check()
    message = str(refused.value)
    assert name in message
    assert MAKE in message
    assert message.count("\n- ") == 1  # only the weak one is named


def test_the_listed_guessable_secrets_are_named_as_such() -> None:
    for weak in ("changeme-changeme-changeme", "qwertyuiopasdfghjkl"):
        with pytest.raises(RuntimeError, match="TANDEM_SECRET_KEY is easy to guess"):
            production(secret_key=weak).check()
    with pytest.raises(RuntimeError, match="contains the demo placeholder"):
        production(secret_key=DEMO_SECRET * 2).check()


def test_good_secrets_and_demo_placeholders_pass() -> None:
    production().check()
    production(secret_key=secrets.token_urlsafe(16), service_token=secrets.token_hex(32)).check()
    Settings(mode="demo").check()  # every secret is the demo placeholder
    assert Settings(mode="demo").secret_key == DEMO_SECRET


@pytest.fixture
def production_hub(tmp_path: Path, shared_index_dir: Path) -> Iterator[HubProcess]:
    hub = HubProcess(
        tmp_path,
        index_dir=shared_index_dir,
        extra_env={
            "TANDEM_MODE": "production",
            "TANDEM_SECRET_KEY": strong(),
            "TANDEM_SERVICE_TOKEN": strong(),
            "TANDEM_WIDGET_SITES": json.dumps({"demo-bank": strong()}),
        },
    )
    hub.start()
    yield hub
    hub.stop()


def test_a_production_hub_serves_no_api_docs_or_schema(production_hub: HubProcess) -> None:
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert httpx.get(production_hub.url + path, timeout=10).status_code == 404, path
    assert httpx.get(production_hub.url + "/healthz", timeout=10).status_code == 200
    assert httpx.get(production_hub.url + "/panel", timeout=10).status_code == 200


def test_demo_mode_keeps_the_docs(hub_without_rasa: HubProcess) -> None:
    assert httpx.get(hub_without_rasa.url + "/openapi.json", timeout=10).status_code == 200
    assert httpx.get(hub_without_rasa.url + "/docs", timeout=10).status_code == 200


def test_a_production_hub_with_a_weak_secret_does_not_start(tmp_path: Path) -> None:
    hub = HubProcess(
        tmp_path,
        extra_env={
            "TANDEM_MODE": "production",
            "TANDEM_SECRET_KEY": "a" * 16,
            "TANDEM_SERVICE_TOKEN": strong(),
            "TANDEM_WIDGET_SITES": json.dumps({"demo-bank": strong()}),
        },
    )
    done = subprocess.run(
        [str(APP_BIN / "tandem"), "hub", "--port", str(hub.port)],
        env=hub.env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "TANDEM_SECRET_KEY uses only 1 different characters" in output
    assert "secrets.token_urlsafe(32)" in output
