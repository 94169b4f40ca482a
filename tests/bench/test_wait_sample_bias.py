"""bench/wait_sample_bias.py: the earlier id-order sample keeps the highest ids among the
ended chats, and a run of it has routing_sim's queue with only the told figure changed."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support.stack import ROOT

sys.path.insert(0, str(ROOT / "bench"))

from wait_sample_bias import IdOrderSample  # noqa: E402


def test_the_id_order_sample_keeps_the_highest_ids_that_have_ended() -> None:
    # Handling time -> id. Chat 1 started first, ran longest and ends last.
    id_of = {900.0: 1, 30.0: 5, 40.0: 2, 50.0: 3, 60.0: 4}
    sample = IdOrderSample(id_of, size=3)
    for handle_s in (30.0, 40.0, 50.0, 60.0, 900.0):  # by end: 5, 2, 3, 4, then 1
        sample.append(handle_s)
    # By id: 5, 4, 3; the long chat 1, which ended last, is left out.
    assert sorted(sample) == [30.0, 50.0, 60.0]
    # The last three to end, as routing_sim and the hub now read them.
    assert list(sample.last_to_end) == [50.0, 60.0, 900.0]


def run(script: str, *args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_short_run_has_the_same_queue_and_says_which_sample_it_read() -> None:
    args = ("--conversations", "300", "--occupancy", "0.85", "--seed", "2")
    by_id, hub = run("wait_sample_bias.py", *args), run("routing_sim.py", *args)
    assert by_id["wait_p90_s"] == hub["wait_p90_s"]
    assert by_id["estimated_customers"] == hub["estimated_customers"]
    sample = by_id["sample"]
    assert isinstance(sample, dict) and "by id" in sample["read"]
    assert sample["estimates"] > 0
    for key in ("mean_handle_s_id_order", "mean_handle_s_last_to_end", "mean_handle_s_all_ended"):
        assert sample[key] > 0, key
    assert {"date", "nproc", "cpu", "load_average", "machine"} <= by_id.keys()
