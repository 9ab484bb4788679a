"""Prove the two catalogues: the bug zoo (grader/zoo.toml) and the right answers (grader/right_answers.toml).

For every zoo entry:
  1. its step's local suite FAILS (make test-stepN);
  2. the grader gives its step less than full marks and every other step full marks;
  3. its feedback names its bug (the entry's diagnosis id) and no other, in every step (precision and recall);
  4. under ten seeds, every step's score is the same (graded in process, with the grader's own judgement:
     the same cases, probes, oracle and judges as the local suites' and the grader's).
For every right answer:
  5. every step's local suite passes, and the grader gives every step full marks with no diagnosis at all.
Both catalogues are graded in one batch of the real grader, every step of every entry.

The local suites (1, 5) and the ten seeds (4) run the steps that can run an entry's changed files: a
step runs its own file and its `depends` steps' files (kata.toml). Every other step runs only the
reference's code, whose suites pass under any seed (the `steps` stage, with its property tests), and
the grader batch still grades it (2, 5). This keeps the proof's cost in proportion to what it proves.

    python -m devtests.zoo_proof        (make zoo; part of make check)

Prints the figures and exits 1 if any entry slips through.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

from grader.inprocess import grade_in_process, scores
from grader.records import Record, load_record
from grader.submissions import safe_names
from grader.zoo import Bug, Right, bugs, right_answers, with_bugs, written_another_way
from kata.manifest import load
from kata.paths import ROOT
from kata.runner import StepResult, pytest_command, read_report

SEEDS = tuple(range(1, 11))


def local_suites(package: Path, scratch: Path, steps: list[int] | None = None) -> dict[int, StepResult]:
    """The steps' suites against the package (all by default), in one pytest process."""
    manifest = load()
    chosen = [s for s in manifest.steps if steps is None or s.number in steps]
    scratch.mkdir(parents=True, exist_ok=True)
    report = scratch / "report.jsonl"
    budget = max(step.budget for step in manifest.steps)
    command = pytest_command([s.test_file for s in chosen], str(package.parent), report, budget, [])
    env = {"KATA_HYPOTHESIS": "quick", "HYPOTHESIS_STORAGE_DIRECTORY": str(scratch / "hypothesis")}
    import os

    subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env={**os.environ, **env}, timeout=900)
    results = {}
    for step in chosen:
        result = StepResult(step)
        read_report(report, result)
        results[step.number] = result
    return results


def touched(files: set[str]) -> list[int]:
    """The steps whose checks can run one of these files of the package: a step runs its own file and the
    files of the steps it depends on (kata.toml)."""
    return [s.number for s in load().reading(files)]


def seed_scores(package: Path, steps: list[int]) -> list[dict[int, Fraction]]:
    """The package's scores in these steps under every seed of SEEDS, judged as the grader judges, in this
    process (the seed-free deep chain runs once)."""
    memo: dict[str, object] = {}
    return [scores(grade_in_process(package, seed, steps=steps, memo=memo)) for seed in SEEDS]


def _ids(record: Record, step: int | None = None) -> set[str]:
    return {bug for s in record.steps if step is None or s.number == step for v in s.verdicts for bug in v.bugs}


def prove_bug(
    entry: Bug, local: dict[int, StepResult], record: Record | None, stable: list[dict[int, Fraction]]
) -> list[str]:
    full = {s.number: Fraction(s.points) for s in load().steps}
    problems = []
    own = local[entry.step]
    if own.failed == 0:
        problems.append(f"its step {entry.step} suite does not fail ({own.passed} passed, {own.todo} todo)")
    if record is None:
        return [*problems, "the grader wrote no complete record (see its log above)"]
    graded = {s.number: s.score for s in record.steps}
    if graded[entry.step] >= full[entry.step]:
        problems.append(f"the grader gives step {entry.step} full marks")
    lost = [n for n in full if n != entry.step and graded[n] != full[n]]
    if lost:
        problems.append(f"the grader docks steps {lost} too: {_show(graded)}")
    if entry.bug not in _ids(record, entry.step):
        problems.append(f"the feedback of step {entry.step} does not name {entry.bug!r}")
    extra = _ids(record) - {entry.bug}
    if extra:
        problems.append(f"the feedback names other bugs too: {sorted(extra)}")
    if any(s != stable[0] for s in stable):
        problems.append("the score depends on the seed: " + "; ".join(_show(s) for s in stable[:3]))
    return problems


def _right_steps(entry: Right) -> list[int]:
    """The steps whose local suites a right answer must pass and that can run what it changed."""
    aced = entry.steps or tuple(s.number for s in load().steps)
    changed = {file for file, _, _ in entry.edits} | set(entry.omit)
    return [n for n in touched(changed) if n in aced]


def prove_right(entry: Right, local: dict[int, StepResult], record: Record | None) -> list[str]:
    manifest = load()
    aced = entry.steps or tuple(s.number for s in manifest.steps)
    problems = []
    failing = [n for n in local if not local[n].done]
    if failing:
        detail = {n: f"{local[n].passed} passed, {local[n].failed} failed, {local[n].todo} todo" for n in failing}
        problems.append(f"its local suites do not pass: {detail}")
    if record is None:
        return [*problems, "the grader wrote no complete record (see its log above)"]
    graded = {s.number: s.score for s in record.steps}
    short = [n for n in aced if graded[n] != manifest.step(n).points]
    if short:
        problems.append(f"the grader does not give full marks: {_show(graded)}")
    if _ids(record):
        problems.append(f"the feedback names bugs: {sorted(_ids(record))}")
    if record.status != "ok":
        problems.append(f"the status is {record.status!r}")
    return problems


def _show(scores_: dict[int, Fraction]) -> str:
    return "{" + ", ".join(f"{n}: {float(s):g}" for n, s in sorted(scores_.items())) + "}"


class _Clock:
    """Wall and CPU seconds (this process and its children) of each part of the proof, printed as it goes."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), _cpu()

    def lap(self, what: str) -> None:
        wall, cpu = time.perf_counter(), _cpu()
        print(f"  ({what}: {wall - self.wall:.0f} s, cpu {cpu - self.cpu:.0f} s)", flush=True)
        self.wall, self.cpu = wall, cpu


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def prove(folder: Path, jobs: int = 2) -> tuple[dict[str, list[str]], dict[str, int]]:
    zoo, right = list(bugs()), list(right_answers())
    packages: dict[str, Path] = {}
    for entry in zoo:
        packages[entry.id] = with_bugs(folder / "zoo" / entry.id, [entry])
    for answer in right:
        packages[answer.id] = written_another_way(folder / "right" / answer.id, answer)
    names = dict(zip(packages, safe_names([p.parent for p in packages.values()])))

    clock = _Clock()
    out = folder / "grades"
    batch = subprocess.run(
        [sys.executable, "-m", "grader", "grade", "--out", str(out), "--jobs", str(jobs), "--",
         *(str(p.parent) for p in packages.values())],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    if batch.returncode != 0:
        raise SystemExit(f"the grader failed on the catalogues:\n{batch.stderr[-3000:]}")
    if "internal grader error" in batch.stderr:
        print(batch.stderr[-6000:], file=sys.stderr)

    clock.lap("the grader's batch")
    suites = {e.id: [e.step] for e in zoo} | {a.id: _right_steps(a) for a in right}
    with ThreadPoolExecutor(jobs) as pool:
        local = dict(
            zip(packages, pool.map(lambda i: local_suites(packages[i], folder / "local" / i, suites[i]), packages))
        )
    clock.lap("the local suites")
    with ProcessPoolExecutor(jobs) as pool:
        runs = pool.map(seed_scores, [packages[e.id] for e in zoo], [touched({e.file}) for e in zoo])
        stable = dict(zip([e.id for e in zoo], runs))
    clock.lap(f"{len(SEEDS)} seeds in process")

    problems: dict[str, list[str]] = {}
    figures = {"zoo": len(zoo), "right": len(right), "detected": 0, "own step only": 0, "named": 0, "stable": 0,
               "right passes": 0}  # fmt: skip
    for entry in zoo:
        record = load_record(out / names[entry.id] / "record.json")
        found = prove_bug(entry, local[entry.id], record, stable[entry.id])
        figures["detected"] += local[entry.id][entry.step].failed > 0
        figures["own step only"] += not any("docks" in p or "fail too" in p or "full marks" in p for p in found)
        figures["named"] += not any("name" in p for p in found)
        figures["stable"] += not any("seed" in p for p in found)
        if found:
            problems[entry.id] = found
    for answer in right:
        found = prove_right(answer, local[answer.id], load_record(out / names[answer.id] / "record.json"))
        figures["right passes"] += not found
        if found:
            problems[answer.id] = found
    return problems, figures


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="kata-zoo-") as scratch:
        problems, figures = prove(Path(scratch))
    by_step: dict[int, int] = {}
    for entry in bugs():
        by_step[entry.step] = by_step.get(entry.step, 0) + 1
    n = figures["zoo"]
    print(f"bug zoo: {n} entries ({', '.join(f'step {k}: {v}' for k, v in sorted(by_step.items()))})")
    print(f"  its step's suite fails:                       {figures['detected']}/{n}")
    print(f"  charged in its own step only (local, grader): {figures['own step only']}/{n}")
    print(f"  named, and nothing else named:                {figures['named']}/{n}")
    print(f"  the same score under {len(SEEDS)} seeds:                {figures['stable']}/{n}")
    print(f"right answers: {figures['right']} entries")
    print(f"  every step passes, full marks, no diagnosis:  {figures['right passes']}/{figures['right']}")
    for identifier, found in problems.items():
        for problem in found:
            print(f"  SLIPPED {identifier}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
