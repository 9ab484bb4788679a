"""A progress bar while grading, and the summary table at the end. Names and statuses come from
submissions: they are printed through grader.inert.terminal, so no escape sequence reaches the terminal."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from grader import inert
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
        what = f"{inert.terminal(record.submission)}: {points(record.score)}/{record.max_score}"
        what += " (resumed)" if resumed else ""
        line = f"[{bar}] {self.done}/{self.total}  {rate:.0f}/min  {what}"
        if self.tty:
            self.stream.write("\r\033[K" + line[:150])
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        """End the bar's line (before a message about a batch that stopped early)."""
        if self.tty and self.done < self.total:
            self.stream.write("\n")
            self.stream.flush()


def summary_table(records: list[Record], steps: list[int]) -> str:
    names = {id(r): inert.terminal(r.submission) for r in records}
    statuses = {id(r): inert.terminal(r.status) for r in records}
    name_width = max([len("submission"), *map(len, names.values())])
    status_width = min(max([len("status"), *map(len, statuses.values())]), 48)
    header = f"{'submission':<{name_width}}  {'score':>9}  " + "".join(f"{'s' + str(n):>6}" for n in steps)
    header += f"  {'status':<{status_width}}"
    lines = [header, "-" * len(header)]
    for r in records:
        score = f"{points(r.score)}/{r.max_score}"
        cells = "".join(f"{points(r.step_score(n)):>6}" for n in steps)
        status = statuses[id(r)]
        status = status if len(status) <= status_width else status[: status_width - 3] + "..."
        lines.append(f"{names[id(r)]:<{name_width}}  {score:>9}  {cells}  {status}")
    return "\n".join(lines)
