"""python -m kata <command>: the student and maintainer commands, for everyone without make.

python -m kata test N [--impl exercises|solutions|PATH]   run step N's suite (make test-stepN)
python -m kata test all                                   every step (make test)
python -m kata hint N [--reset]                           the next hint for step N (make hint STEP=N)
python -m kata exercises [--check]                        regenerate exercises/ (make exercises)
python -m kata ladder                                     the stub ladder of make check
python -m kata steps-table                                the README's steps table, from kata.toml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kata.manifest import load
from kata.paths import EXERCISES, PACKAGE, SOLUTIONS


def _next_step(number: int):
    steps = load().steps
    later = [s for s in steps if s.number > number]
    return later[0] if later else None


def cmd_test(args: argparse.Namespace) -> int:
    from kata.runner import run_step, summary

    manifest = load()
    numbers = [s.number for s in manifest.steps] if args.step == "all" else [int(args.step)]
    worst = 0
    for number in numbers:
        step = manifest.step(number)
        result = run_step(step, impl=args.impl, extra=args.pytest_args)
        print(summary(result, _next_step(number)))
        worst = max(worst, 0 if result.done else 1)
        if args.step == "all" and len(numbers) > 1:
            print()
    return worst


def cmd_exercises(args: argparse.Namespace) -> int:
    from kata import exercises as generator
    from kata.paths import has_reference

    if not has_reference():
        print("error: there is no solutions/ in this copy to generate exercises from", file=sys.stderr)
        return 2
    manifest = load()
    generated = generator.build(SOLUTIONS / PACKAGE, manifest, upto=args.upto)
    target = Path(args.out) / PACKAGE if args.out else EXERCISES / PACKAGE
    if args.check:
        problems = generator.differences(generated, target)
        if problems:
            sys.stdout.writelines(problems)
            print(f"\n{target} differs from what the generator makes from {SOLUTIONS / PACKAGE}.")
            print("Never edit exercises/ by hand: change solutions/ (or kata.toml) and run `make exercises`.")
            return 1
        print(f"{target} is what the generator makes ({len(generated)} files).")
        return 0
    generator.write(generated, target)
    print(f"wrote {len(generated)} files to {target}" + (f" (steps <= {args.upto} solved)" if args.upto else ""))
    return 0


def cmd_ladder(args: argparse.Namespace) -> int:
    from kata.ladder import run_ladder

    return run_ladder()


def cmd_hint(args: argparse.Namespace) -> int:
    from kata import hints

    step = load().step(int(args.step)) if args.step else None
    if args.reset:
        hints.reset(step)
        print(f"hint levels forgotten for {'step ' + str(step.number) if step else 'every step'}.")
        return 0
    if step is None:
        print("which step? make hint STEP=3   (python -m kata hint 3)")
        return 2
    print(hints.reveal(step)[1])
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    from kata.progress import render, run_all

    manifest = load()
    print(f"running every step's checks against {args.impl} ...", flush=True)
    print(render(run_all(manifest, args.impl), manifest, args.impl))
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from kata.watch import watch

    return watch(load(), impl=args.impl, interval=args.interval, clear=not args.no_clear)


def cmd_reset(args: argparse.Namespace) -> int:
    from kata.paths import implementation_dir
    from kata.reset import ResetError, reset_step

    manifest = load()
    if args.step is None:
        print("which step? make reset STEP=3   (python -m kata reset 3)")
        return 2
    step = manifest.step(int(args.step))
    try:
        report = reset_step(step, manifest, implementation_dir(args.impl) / PACKAGE, whole_file=args.whole_file)
    except ResetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"your {step.file} is saved as {report.backup}")
    if report.reset:
        print(f"step {step.number}'s stubs are back in: {', '.join(report.reset)}")
    if report.whole:
        print(f"replaced whole (they could not be reset part by part): {', '.join(report.whole)}")
    print(f"code of other steps in {step.file} was kept. Run make test-step{step.number} to see the todo list again.")
    return 0


def _load_impl(impl: str):
    """The micrograd in impl, imported as `micrograd` in this process (for the demo and the graph)."""
    from kata.observe import Implementation, register_package
    from kata.paths import implementation_dir

    directory = implementation_dir(impl) / PACKAGE
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    register_package(PACKAGE, directory)
    return Implementation(PACKAGE, directory)


def _not_ready(error: NotImplementedError, what: str, impl: str) -> int:
    print(f"{what} runs your own engine ({impl}), which is not ready for it yet:\n    {error}")
    print(
        "Finish that step first, or look at the reference's: add IMPL=solutions (python -m kata ... --impl solutions)."
    )
    return 1


def cmd_graph(args: argparse.Namespace) -> int:
    from pathlib import Path

    mg = _load_impl(args.impl)
    Value = mg.Value
    try:  # the neuron of micrograd's lecture: o = tanh(x1 w1 + x2 w2 + b)
        x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
        w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
        b = Value(6.8813735870195432, label="b")
        n = x1 * w1 + x2 * w2 + b
        n.label = "n"
        o = n.tanh()
        o.label = "o"
        o.backward()
    except NotImplementedError as error:
        return _not_ready(error, "make graph", args.impl)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    drawn = mg.viz.draw_dot(o, filename=args.out, format=args.format)
    if isinstance(drawn, str) and drawn.endswith(args.format):
        print(f"drew o = tanh(x1*w1 + x2*w2 + b) with data and grad of every node: {drawn}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import time
    from pathlib import Path

    from kata import demo

    mg = _load_impl(args.impl)
    started = time.perf_counter()
    try:
        runs = demo.run(mg, args.runs.split(","), out=Path(args.out), gc_mode=args.gc)
    except NotImplementedError as error:
        return _not_ready(error, "make demo", args.impl)
    print(f"\ntrained with {args.impl}/micrograd, garbage collector {args.gc}:")
    for run in runs:
        print(f"  {run.name:<6} {run.seconds:6.1f} s  {run.summary}")
        for path in run.files:
            print(f"         {path}")
    print(f"all in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_selftest(args: argparse.Namespace) -> int:
    """The self test of a fresh copy: every stub imports and every step reports todo (and nothing else)."""
    import json

    from kata.checks import STEP_MODULES, cases
    from kata.paths import EXPECTED, has_reference
    from kata.runner import run_step

    manifest = load()
    problems = []
    if not has_reference():
        recorded = json.loads(EXPECTED.read_text(encoding="utf-8")) if EXPECTED.exists() else {}
        for step in STEP_MODULES:
            missing = [c.id for c in cases(step) if c.id not in recorded.get(str(step), {})]
            if missing:
                problems.append(f"{EXPECTED.name} lacks the expected results of {len(missing)} step {step} checks")
    for step in manifest.steps:
        result = run_step(step, impl=args.impl, capture=True)
        ok = result.todo == result.total > 0 and not result.failed and result.state == "todo"
        print(
            f"step {step.number}: {result.todo} todo, {result.passed} passed, {result.failed} failing"
            f" ... {'ok' if ok else 'NOT todo-only'}"
        )
        if not ok:
            problems.append(f"step {step.number} is not all todo:\n{result.output[-2000:]}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print("self test: " + ("the stubs import and every step reports todo" if not problems else "FAILED"))
    return 1 if problems else 0


def cmd_release(args: argparse.Namespace) -> int:
    from pathlib import Path

    from kata import release
    from kata.paths import has_reference

    if not has_reference():
        print("error: this is already a student copy (there is no solutions/ here)", file=sys.stderr)
        return 2
    manifest = load()
    folder = release.build(Path(args.out), manifest)
    problems = release.leaks(folder, manifest)
    for problem in problems:
        print(f"solution code in the release: {problem}", file=sys.stderr)
    checked = release.self_test(folder)
    print(checked.stdout, end="")
    if checked.returncode != 0:
        print(checked.stderr, file=sys.stderr)
    if problems or checked.returncode != 0:
        return 1
    print(f"student release: {folder}/ and {folder.with_suffix('.zip')} (no solution code; self test passed)")
    return 0


def cmd_steps_table(args: argparse.Namespace) -> int:
    from kata.readme import block

    print(block(load()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata", description="The micrograd kata's commands.")
    commands = parser.add_subparsers(dest="command", required=True)

    test = commands.add_parser("test", help="run a step's suite (make test-stepN)")
    test.add_argument("step", help="a step number, or 'all'")
    test.add_argument("--impl", default="exercises", help="exercises (default), solutions, or a folder with micrograd/")
    test.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    test.set_defaults(run=cmd_test)

    ex = commands.add_parser("exercises", help="generate exercises/ from solutions/")
    ex.add_argument("--check", action="store_true", help="only compare with what is committed")
    ex.add_argument("--upto", type=int, default=0, help="keep the reference code of steps <= N")
    ex.add_argument("--out", help="write into OUT/micrograd instead of exercises/")
    ex.set_defaults(run=cmd_exercises)

    ladder = commands.add_parser("ladder", help="check every rung: steps <= N solved pass, later steps are todo")
    ladder.set_defaults(run=cmd_ladder)

    hint = commands.add_parser("hint", help="the next hint for a step (make hint STEP=N)")
    hint.add_argument("step", nargs="?", help="the step number")
    hint.add_argument("--reset", action="store_true", help="forget how many hints were shown")
    hint.set_defaults(run=cmd_hint)

    progress = commands.add_parser("progress", help="every step's passed/failing/todo counts (make progress)")
    progress.add_argument("--impl", default="exercises")
    progress.set_defaults(run=cmd_progress)

    watch = commands.add_parser("watch", help="re-run the current step whenever a file is saved (make watch)")
    watch.add_argument("--impl", default="exercises")
    watch.add_argument("--interval", type=float, default=0.5, help="seconds between checks for changes")
    watch.add_argument("--no-clear", action="store_true", help="do not clear the screen between runs")
    watch.set_defaults(run=cmd_watch)

    reset = commands.add_parser("reset", help="put a step's stubs back, after a backup (make reset STEP=N)")
    reset.add_argument("step", nargs="?")
    reset.add_argument("--impl", default="exercises")
    reset.add_argument("--whole-file", action="store_true", help="reset the step's whole file (all its steps)")
    reset.set_defaults(run=cmd_reset)

    graph = commands.add_parser("graph", help="draw an example Value graph with your engine (make graph)")
    graph.add_argument("--impl", default="exercises")
    graph.add_argument("--format", default="svg", choices=["svg", "png"])
    graph.add_argument("--out", default="build/graph", help="file name without its extension")
    graph.set_defaults(run=cmd_graph)

    demo = commands.add_parser("demo", help="train XOR, two moons and a sine fit with your engine (make demo)")
    demo.add_argument("--impl", default="exercises")
    demo.add_argument("--runs", default="xor,moons,sine", help="which runs, comma separated")
    demo.add_argument(
        "--gc",
        default="managed",
        choices=["managed", "default"],
        help="manage the garbage collector while training (default: managed)",
    )
    demo.add_argument("--out", default="build/demo")
    demo.set_defaults(run=cmd_demo)

    selftest = commands.add_parser("selftest", help="check a fresh copy: the stubs import, every step is todo")
    selftest.add_argument("--impl", default="exercises")
    selftest.set_defaults(run=cmd_selftest)

    student_release = commands.add_parser("student-release", help="build the student release (make student-release)")
    student_release.add_argument("--out", default="build/student-release")
    student_release.set_defaults(run=cmd_release)

    table = commands.add_parser("steps-table", help="print the README's steps table, made from kata.toml")
    table.set_defaults(run=cmd_steps_table)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("\nstopped.")
        return 130
    except (KeyError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
