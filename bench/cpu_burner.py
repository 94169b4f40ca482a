"""A bounded CPU burner for benchmarks: N busy-loop processes beside the measured code.

Usage (from a bench script):
    with burning(2, max_seconds=600):
        ...measure...

Each burner is a separate Python process that spins on the clock and stops by itself at
its deadline, so it cannot outlive a benchmark that crashes; on leaving the block the
burners are stopped by their process ids. Two burners on a 2-core machine stand for "both
cores busy with other work", which is what a shared server or CI runner looks like.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
from collections.abc import Iterator

SPIN = "import time\nend = time.monotonic() + {s}\nwhile time.monotonic() < end:\n    pass\n"


@contextlib.contextmanager
def burning(processes: int, max_seconds: float = 600) -> Iterator[list[int]]:
    """Run `processes` busy loops (each bounded by `max_seconds`) for the block's duration."""
    procs = [
        subprocess.Popen([sys.executable, "-c", SPIN.format(s=float(max_seconds))])
        for _ in range(max(0, processes))
    ]
    try:
        yield [p.pid for p in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def add_burn_argument(parser: object) -> None:
    """The shared `--burn N` option of the bench scripts."""
    parser.add_argument(  # type: ignore[attr-defined]
        "--burn",
        type=int,
        default=0,
        metavar="N",
        help="run N CPU busy loops beside the measurement (2 = both cores of a 2-core "
        "machine busy with other work); each stops by itself after the run's time limit",
    )
