"""The hub's SQL statements for one ordinary customer message, and for an idle second.

Counts, not time, so they hold on a busy machine: the hub runs with the statement counter
of bench/sqlcount (tests/support/sql_statements.py), a stand-in Rasa that answers every
message and its re-drive polls out of the way. A change that adds reads or transactions to
the message path, or polling to the idle hub, fails here; bench/sql_per_message.py shows
what they are, statement by statement.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import sql_statements as sq
from tests.support.stack import HubProcess

# Measured on 2026-12-07 (as counted here): this turn runs 41 statements, 7 of
# them BEGINs (54 in 13 transactions before the fourth round of cuts, 59 in 17 before the
# third, 69 in 18 before the first); 6 begin with BEGIN IMMEDIATE, queueing for SQLite's
# write lock. Three reads run without BEGIN, each its own snapshot (Database.read_one:
# the duplicate check, the assist's read of the recent turns, the HTTP fallback's read of
# the replies), so "transactions" counts the BEGINs. The margin: a turn slowed by other
# jobs on the machine may read once more what it waits for, or find the outbox sender
# between two passes (a claim more).
MESSAGE_STATEMENTS = 45
MESSAGE_TRANSACTIONS = 9
# The scheduler's idle tick: one read of what its duties have to look at (BEGIN and the
# SELECT), and its lease renewed every fifth tick (three statements). It was about twenty.
SCHEDULER_STATEMENTS_PER_TICK = 3.5
SCHEDULER = "bot.handoff.scheduler:run_forever"
# Statements that follow the clock, not the message: the HTTP fallback re-reads its item's
# status every 3 s of a slow turn, and the worker renews its lease every 10 s.
STATUS_POLL = "SELECT work_items.status FROM work_items WHERE work_items.message_id"
RENEWAL_TASK = "bot.pipeline.workers:Workers._renew"


@pytest.fixture
def counted_hub(tmp_path: Path, shared_index_dir: Path) -> Iterator[tuple[HubProcess, sq.Log]]:
    folder = tmp_path / "sqlcount"
    folder.mkdir()
    rasa = sq.StandInRasa().start()
    hub = HubProcess(
        tmp_path,
        rasa_url=rasa.url,
        index_dir=shared_index_dir,
        extra_env={**sq.env(folder), **sq.stand_in_env(rasa), **sq.QUIET_REDRIVE},
    )
    try:
        hub.init_db()
        hub.start()
        # The live assist searches the knowledge index: a turn counts in full once it is up.
        hub.wait_knowledge()
        yield hub, sq.Log(folder)
    finally:
        hub.stop()
        rasa.stop()


def _per_turn(statements: list[sq.Statement]) -> list[sq.Statement]:
    """The message's own statements, with the clock-driven ones of a slow turn left out
    (the first status read, which every turn makes, stays)."""
    own = [s for s in sq.message_statements(statements) if s.task != RENEWAL_TASK]
    out: list[sq.Statement] = []
    polls = 0
    for s in own:
        if s.sql.startswith(STATUS_POLL):
            polls += 1
            if polls > 1:
                out.pop()  # the reader's BEGIN just before this re-read
                continue
        out.append(s)
    return out


def test_one_ordinary_message_stays_within_its_statement_budget(counted_hub) -> None:
    hub, log = counted_hub
    customer = sq.WidgetCustomer(hub.url)
    try:
        customer.send("xin chào")  # opens the conversation: not an ordinary turn
        log.until_quiet()
        log.skip()
        response = customer.send("phí chuyển khoản là bao nhiêu")
        turn = _per_turn(log.until_quiet())
    finally:
        customer.close()
    # The bot answered: the count is a whole turn, stored, routed, replied and delivered.
    assert [r["text"] for r in response["replies"]] == [sq.StandInRasa.reply()]
    counts = sq.summary(turn)
    assert counts["statements"] <= MESSAGE_STATEMENTS, counts
    assert counts["transactions"] <= MESSAGE_TRANSACTIONS, counts


def test_an_idle_scheduler_tick_reads_once(counted_hub) -> None:
    hub, log = counted_hub
    log.skip()
    statements: list[sq.Statement] = []
    # Until at least ten ticks have run (a tick is a second; counted, not timed).
    while sum(1 for s in statements if s.task == SCHEDULER and s.begins) < 12:
        statements += log.until_quiet(quiet_s=0.5, limit_s=2)
    mine = [s for s in statements if s.task == SCHEDULER]
    ticks = sum(1 for s in mine if s.sql.startswith("SELECT EXISTS"))
    assert ticks >= 8
    assert len(mine) / ticks <= SCHEDULER_STATEMENTS_PER_TICK, sq.summary(mine)
