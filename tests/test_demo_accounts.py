"""The demo's start-up banner says which account is an agent, a knowledge manager and a
supervisor, so whoever tries the demo signs in to the view they want."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from bot.store.seed import load_demo_data
from tandem.demo import account_lines
from tests.support.stack import APP_BIN, ROOT

ROLES = {
    "agent": ("Nhân viên", "agent"),
    "knowledge_manager": ("Quản lý tri thức", "knowledge manager"),
    "supervisor": ("Giám sát viên", "supervisor"),
}


def line_of(lines: list[str], username: str) -> str:
    found = [line for line in lines if line.split()[0:1] == [username]]
    assert len(found) == 1, (username, lines)
    return found[0]


def test_banner_names_each_accounts_role() -> None:
    users = load_demo_data()["users"]
    assert {u["role"] for u in users} == set(ROLES), "the demo has one account of each role"
    credentials = {u["username"]: f"pw-{u['username']}" for u in users}
    lines = account_lines(credentials)
    for user in users:
        line = line_of(lines, user["username"])
        assert f"pw-{user['username']}" in line
        vi, en = ROLES[user["role"]]
        assert vi in line and en in line, line
        # Vietnamese first, as everywhere in the product.
        assert line.index(vi) < line.index(en)


def test_db_init_prints_the_accounts_with_their_roles(tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update(
        {
            "TANDEM_MODE": "demo",
            "TANDEM_VAR_DIR": str(tmp_path),
            "TANDEM_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}",
        }
    )
    done = subprocess.run(
        [str(APP_BIN / "tandem"), "db", "init", "--demo", "--password", "demo-test-password"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    lines = [line.strip().removeprefix("demo account ") for line in done.stdout.splitlines()]
    assert "Giám sát viên · supervisor" in line_of(lines, "quan")
    assert "Quản lý tri thức · knowledge manager" in line_of(lines, "ha")
    assert "Nhân viên · agent" in line_of(lines, "linh")
