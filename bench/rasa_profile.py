"""Where one message's CPU goes in Rasa and the action server: a py-spy profile, by part.

Usage:
    .venv/bin/python bench/rasa_profile.py [--messages 160] [--concurrency 4] [--rate 100]
        [--label after] [--out FILE] [--keep-raw FILE] [--pythonpath TREE]

What runs: the soak's stack (bench/soak_stack.py: the hub, the real Rasa with the
project's trained model, the action server, demo data). ``--concurrency`` customers send
the FAQ questions of bench/soak_messages.yaml straight to Rasa's REST channel, each its
next as soon as the last is answered (``--messages`` in all, after one warm-up each, not
measured), while py-spy samples every thread of the Rasa process. The sending and the
CPU of Rasa's and the action server's process groups (from /proc, per answered message)
are bench/cpu_per_message.py's raw batch (``batch``). With
``--pythonpath`` Rasa and the action server run the project's code from that tree (a
``git archive`` of an earlier commit, for its before-profile on the same model and data).

A sample is put in one part by the frames on its stack (``PARTS``, first match wins);
ms per message = the part's share of the samples x Rasa's /proc CPU per message (py-spy
misses or double-counts some samples on a loaded machine; /proc is the measure).

The last line printed is one JSON object: ``load_avg_1m`` (at the start),
``rasa_cpu_ms_per_msg``, ``actions_cpu_ms_per_msg``, ``msgs_per_s``,
``by_part_ms_per_msg``, ``top_functions`` (the functions with the most samples in their
own code, ms per message) and the run's settings.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import cpu_per_message  # noqa: E402
import run_record  # noqa: E402
import soak_clients  # noqa: E402
import soak_stack  # noqa: E402
import yaml  # noqa: E402
from cpu_profile import PY_SPY, count_samples  # noqa: E402

# (part, markers): a sample goes to the first part one of whose markers is in a frame of
# its stack (a frame reads "function (path/file.py:line)").
PARTS: list[tuple[str, tuple[str, ...]]] = [
    ("custom actions: answers checked against their schema", ("jsonschema/",)),
    ("NLU: sentence embedding (e5)", ("E5Featurizer._featurize",)),
    ("NLU: latent terms (e5 sparse head)", ("E5LatentTermsFeaturizer._featurize",)),
    ("NLU: intent classifier", ("nlu/classifier.py", "nlu/intent_model.py")),
    ("NLU: other components (tokens, n-grams, entities)", ("_parse_message_with_graph",)),
    ("policies: TED", ("ted_policy.py",)),
    ("policies: rules, memoization, ensemble", ("_predict_next_with_tracker",)),
    ("custom actions: HTTP call and events", ("RemoteAction.run", "aiohttp/")),
    ("tracker store (SQL)", ("tracker_store.py", "sqlalchemy/")),
    ("forms and other actions", ("_run_action",)),
]
OTHER = "REST channel, Sanic and the rest"
# Samples of an idle event loop or thread pool: waits, not work.
BATCH_S = 600.0  # the longest a batch may take
WAITS = ("select (selectors", "_run_once (asyncio", "wait (threading", "_worker (concurrent")


def part_of(frames: list[str]) -> str:
    for part, markers in PARTS:
        if any(marker in frame for marker in markers for frame in frames):
            return part
    return OTHER


def summarise(raw: str, cpu_ms_per_msg: float) -> dict[str, Any]:
    parts, own, total, waits = count_samples(raw, part_of, WAITS)
    scale = cpu_ms_per_msg / total if total else 0.0
    return {
        "samples": total,
        "wait_samples": waits,
        "by_part_ms_per_msg": {k: round(v * scale, 1) for k, v in parts.most_common()},
        "by_part_share": {k: round(v / total, 3) for k, v in parts.most_common()},
        "top_functions": {k: round(v * scale, 1) for k, v in own.most_common(25)},
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=160)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rate", type=int, default=100, help="py-spy samples a second")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--label", default="after", help="the key of this run in --out")
    parser.add_argument("--out", help="add this run under --label to FILE (kept: other labels)")
    parser.add_argument("--pythonpath", help="run Rasa and the actions from this source tree")
    parser.add_argument("--keep-raw", help="also keep py-spy's raw output here")
    args = parser.parse_args(argv)
    soak_clients.THINK_S = (0.0, 0.0)  # each customer's next question as soon as answered
    texts = yaml.safe_load((ROOT / "bench" / "soak_messages.yaml").read_text())["faq"]
    rng = random.Random(args.seed)
    per_customer = max(1, args.messages // args.concurrency)
    scripts = [[rng.choice(texts) for _ in range(per_customer)] for _ in range(args.concurrency)]
    workdir = Path(tempfile.mkdtemp(prefix="tandem-rasa-prof-"))
    load_at_start = round(os.getloadavg()[0], 1)
    platforms = soak_stack.Platforms.start(["widget"])
    stack = soak_stack.Stack(workdir, platforms)
    if args.pythonpath:
        # The children's path and working folder come from tandem.processes (child_env
        # puts its ROOT first on PYTHONPATH): the tree's code, with this checkout's model.
        soak_stack.processes.ROOT = Path(args.pythonpath).resolve()
        os.environ["PYTHONPATH"] = str(soak_stack.processes.ROOT)
    result: dict[str, Any] = {}
    try:
        stack.start(420)
        # The same sending and /proc accounting as cpu_per_message's raw batches.
        warm = [[rng.choice(texts)] for _ in range(args.concurrency)]
        cpu_per_message.batch(stack, "raw", warm, BATCH_S, f"warm-{args.seed}")
        raw_path = workdir / "profile.txt"
        spy = subprocess.Popen(
            [str(PY_SPY), "record", "-r", str(args.rate), "-f", "raw", "--threads"]
            + ["--nonblocking", "-p", str(stack.procs["rasa"].pid), "-o", str(raw_path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(2)  # py-spy attaches
        done = cpu_per_message.batch(stack, "raw", scripts, BATCH_S, f"prof-{args.seed}")
        spy.send_signal(signal.SIGINT)
        spy.wait(60)
        raw = raw_path.read_text()
        if args.keep_raw:
            shutil.copy(raw_path, args.keep_raw)
        cpu = done["cpu_ms_per_msg"]
        result = {
            "load_avg_1m": load_at_start,
            "messages": done["messages"],
            "answered": done["answered"],
            "concurrency": args.concurrency,
            "sample_hz": args.rate,
            "msgs_per_s": done["msgs_per_s"],
            "rasa_cpu_ms_per_msg": cpu["rasa"],
            "actions_cpu_ms_per_msg": cpu["actions"],
            **summarise(raw, cpu["rasa"]),
        }
    finally:
        stack.stop()
        platforms.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    if args.out and result:
        run_record.add_labelled(
            args.out, args.label, {**result, "pythonpath": args.pythonpath}, argv
        )
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return result


if __name__ == "__main__":
    main()
