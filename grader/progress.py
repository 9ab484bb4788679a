"""A progress bar while grading, and the summary table at the end."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from grader.outputs import points
from grader.records import Record


class Progress:
    """Redraws one line on a terminal; prints one line per submission elsewhere (CI logs)."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.width = width
        self.started = time.monotonic()
        self.tty = stream.isatty()

    def update(self, record: Record, resumed: bool = False) -> None:
        self.done += 1
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (self.width - filled)
        rate = self.done / max(time.monotonic() - self.started, 1e-9) * 60
        what = f"{record.submission}: {points(record.score)}/{record.max_score}" + (" (resumed)" if resumed else "")
        line = f"[{bar}] {self.done}/{self.total}  {rate:.0f}/min  {what}"
        if self.tty:
            self.stream.write("\r\033[K" + line[:150])
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def summary_table(records: list[Record], steps: list[int]) -> str:
    name_width = max([len("submission"), *(len(r.submission) for r in records)])
    status_width = min(max([len("status"), *(len(r.status) for r in records)]), 48)
    header = f"{'submission':<{name_width}}  {'score':>9}  " + "".join(f"{'s' + str(n):>6}" for n in steps)
    header += f"  {'status':<{status_width}}"
    lines = [header, "-" * len(header)]
    for r in records:
        score = f"{points(r.score)}/{r.max_score}"
        cells = "".join(f"{points(r.step_score(n)):>6}" for n in steps)
        status = r.status if len(r.status) <= status_width else r.status[: status_width - 3] + "..."
        lines.append(f"{r.submission:<{name_width}}  {score:>9}  {cells}  {status}")
    return "\n".join(lines)
