"""Where the numbers of the cases come from: a seeded random.Random, or Hypothesis's draw.

The same (seed, step, salt) always gives the same cases. The grader salts each submission's draw
with a hash of its code, so answers copied from one attempt's feedback do not fit the next attempt,
while the same code and seed always get the same cases (and the same score).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from typing import Any, Protocol


class Chooser(Protocol):
    def integer(self, low: int, high: int) -> int: ...  # inclusive

    def pick(self, options: Sequence[Any]) -> Any: ...


class RandomChooser:
    """A Chooser backed by a seeded random.Random."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def pick(self, options: Sequence[Any]) -> Any:
        return options[self.rng.randrange(len(options))]


def step_chooser(seed: int, step: int, salt: str = "") -> RandomChooser:
    text = f"micrograd-kata/{seed}/step{step}" + (f"/{salt}" if salt else "")
    return RandomChooser(random.Random(text))


def number_between(choose: Chooser, low: float, high: float, avoid_below: float = 0.0) -> float:
    """A number with two decimals in [low, high] whose magnitude is at least avoid_below."""
    for _ in range(100):
        x = choose.integer(round(low * 100), round(high * 100)) / 100
        if abs(x) >= avoid_below:
            return x
    return high


class NoClearCase(RuntimeError):
    """The choices kept giving cases where a classic bug would hide (a chooser that repeats itself, as
    Hypothesis does when it shrinks): the caller draws again, or skips the example."""


def attempts(limit: int = 60) -> Iterator[int]:
    """range(limit), then NoClearCase: for the `for _ in attempts(): ... return` loops of case drawing
    (which end with `raise AssertionError(...)`: a type checker cannot see that the loop never ends)."""
    yield from range(limit)
    raise NoClearCase(f"no clear case in {limit} draws")
