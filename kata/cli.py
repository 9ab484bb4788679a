"""python -m kata <command>: the students' commands, for everyone without make (and `dev`, the maintainers').

Students (make twin in brackets):
python -m kata test N [--impl exercises|solutions|PATH]   run step N's suite (make test-stepN)
python -m kata test all                                   every step, then the progress table (make test)
python -m kata progress                                   every step: passed / failing / todo (make progress)
python -m kata watch                                      your current step, on every save (make watch)
python -m kata hint [N] [--general] [--reset]             the next hint where you are (make hint [STEP=N])
python -m kata reset N [--whole-file]                     put step N's stubs back (make reset STEP=N)
python -m kata shell                                      Python with your micrograd imported (make shell)
python -m kata graph | demo                               pictures made by your engine (make graph, make demo)
python -m kata compare N                                  the annotated reference of a passed step, if shipped
python -m kata setup [--plots]                            .venv with the pinned tools (without make)
python -m kata spec N                                     what step N checks, in words, one example each
python -m kata selftest                                   a fresh copy: the stubs import, every step is todo
Maintainers (the maintainers' repository only; kata/dev/cli.py):
python -m kata dev exercises | ladder | student-release | steps-table

Python 3.11 is checked first, by kata/__main__.py (in code an old Python can still read).
Exit status of `test`: 0 when the step passes, 1 when a verdict says it is not done yet
(failing, todo, timed out, cannot load), 2 for a usage or environment error (nothing was run).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kata.manifest import Manifest, Step, load
from kata.paths import PACKAGE

if TYPE_CHECKING:
    from kata.harness.observe import Implementation

# The commands that run the step suites need pytest, pytest-timeout and Hypothesis.
NEEDS_TEST_TOOLS = ("test", "progress", "watch", "selftest")


class UsageError(Exception):
    """A command line the kata cannot act on; the message says what would work."""


def parse_step(text: str | None, manifest: Manifest, command: str, allow_all: bool = False) -> Step | None:
    """The step a student named on the command line, with a message that says what works instead."""
    if text is None or text == "":
        return None
    if allow_all and text == "all":
        return None
    known = ", ".join(str(s.number) for s in manifest.steps)
    try:
        number = int(text)
    except ValueError:
        example = f"make {command}-step1" if command == "test" else f"make {command} STEP=1"
        raise UsageError(
            f"{text!r} is not a step number. The steps are {known}"
            + (" (or 'all')" if allow_all else "")
            + f": e.g. {example}   (python -m kata {command} 1)"
        ) from None
    return manifest.step(number)


def _next_step(number: int) -> Step | None:
    later = [s for s in load().steps if s.number > number]
    return later[0] if later else None


def cmd_test(args: argparse.Namespace) -> int:
    from kata import reference_notes
    from kata.progress import render
    from kata.runner import run_step, run_steps, summary

    manifest = load()
    if args.step in (None, ""):
        raise UsageError(
            "which step? make test-step1 (python -m kata test 1), or make test for every step "
            f"(the steps are {', '.join(str(s.number) for s in manifest.steps)})"
        )
    step = parse_step(args.step, manifest, "test", allow_all=True)
    if step is not None:
        result = run_step(step, impl=args.impl, extra=args.pytest_args)
        print(summary(result, _next_step(step.number)))
        if result.done:
            offer = reference_notes.offer(step)
            if offer:
                print(offer)
        return 0 if result.done else 1
    results = run_steps(list(manifest.steps), impl=args.impl, extra=args.pytest_args, capture=False)
    print()
    for result in results:
        if result.state in ("timeout", "error"):
            print(summary(result, _next_step(result.step.number)))
    print(render(results, manifest, args.impl, seconds=results[0].seconds if results else 0.0))
    return 0 if all(r.done for r in results) else 1


def cmd_hint(args: argparse.Namespace) -> int:
    from kata import hints
    from kata.current import current_function, current_step, failing_checks

    manifest = load()
    step = parse_step(args.step, manifest, "hint")
    if args.reset:
        hints.reset(step)
        print(f"hint levels forgotten for {'step ' + str(step.number) if step else 'every step'}.")
        return 0
    if step is None:
        step = current_step(manifest, args.impl)
        if step is None:
            print("Every step passed its last run: no hint needed! (make hint STEP=N for a step's hints anyway)")
            return 0
        print(f"(you are at step {step.number}: no step was given, so this is where your code stands)\n")
    group, why = hints.step_group(step), ""
    if not args.general:
        function = current_function(step, manifest, args.impl)
        if function is not None:
            group, why = hints.for_function(step, function), f"you are at {function.display}"
        else:
            failing = failing_checks(step, args.impl)
            group = hints.for_checks(step, failing)
            if group.functions and failing:
                why = f"a failing check: {failing[0]}"
    print(hints.reveal(step, group=group, why=why)[1])
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    from kata.progress import render, run_all

    manifest = load()
    print(f"running every step's checks against {args.impl} ...", flush=True)
    results = run_all(manifest, args.impl)
    print(render(results, manifest, args.impl, seconds=results[0].seconds if results else 0.0))
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    from kata.watch import watch

    return watch(load(), impl=args.impl, interval=args.interval, clear=not args.no_clear)


def cmd_reset(args: argparse.Namespace) -> int:
    from kata.paths import implementation_dir
    from kata.reset import ResetError, reset_step

    manifest = load()
    step = parse_step(args.step, manifest, "reset")
    if step is None:
        raise UsageError("which step? make reset STEP=3   (python -m kata reset 3)")
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


def _load_impl(impl: str) -> Implementation:
    """The micrograd in impl, imported as `micrograd` in this process (for the demo, graph and shell)."""
    from kata.harness.observe import Implementation, register_package
    from kata.paths import implementation_dir

    directory = implementation_dir(impl) / PACKAGE
    if not (directory / "__init__.py").is_file():
        raise UsageError(f"{directory} is not a micrograd package (it has no __init__.py)")
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    register_package(PACKAGE, directory)
    return Implementation(PACKAGE, directory)


def _not_ready(error: BaseException, what: str, impl: str, needs: str) -> int:
    from kata.paths import has_reference

    print(f"{what} runs your own engine ({impl}/micrograd), which is not ready for it yet:\n    {error}")
    print(f"It needs {needs}: finish those first (make progress shows where you are).")
    if has_reference():
        print("Or look at the reference's: add IMPL=solutions (python -m kata ... --impl solutions).")
    return 1


def lecture_neuron(Value: Any) -> Any:
    """The neuron of micrograd's lecture, o = tanh(x1 w1 + x2 w2 + b), after o.backward()."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()
    return o


def _draw_by_hand(mg: Any, args: argparse.Namespace) -> int | None:
    """Step 3's warm-up, drawn with the student's numbers: 0 when drawn (or drawable, with --check), 1 when
    backprop_by_hand is written but wrong in shape, None while it is a stub."""
    from kata import warmup_graph

    try:
        hand = warmup_graph.by_hand(mg.engine.backprop_by_hand)
    except NotImplementedError:
        return None
    except warmup_graph.NotANumberPair as error:
        print(f"make graph could not draw step 3's warm-up: {error}")
        return 1
    if args.check:
        return 0
    root, disagreements = warmup_graph.picture(hand, warmup_graph.by_engine(mg.Value))
    out = f"{args.out}-by-hand"
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    drawn = mg.viz.draw_dot(root, filename=out, format=args.format)
    if isinstance(drawn, str) and drawn.endswith(args.format):
        print(f"drew step 3's warm-up f = (x + y) * z + exp(x * z) at x = 1, y = 2, z = -1 with YOUR numbers: {drawn}")
    if disagreements:
        print("where your hand and your engine disagree (make test-step3 says which one is off):")
        print("\n".join(disagreements))
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    mg = _load_impl(args.impl)
    by_hand = _draw_by_hand(mg, args)
    try:
        o = lecture_neuron(mg.Value)
    except NotImplementedError as error:
        if by_hand is not None:  # the warm-up was drawn (or could be): the neuron comes with steps 2 to 4
            if not args.check:
                print(f"the neuron o = tanh(x1*w1 + x2*w2 + b) comes once steps 2 to 4 are done ({error})")
            return by_hand
        return _not_ready(
            error, "make graph", args.impl, "step 3's warm-up (backprop_by_hand), or steps 2 to 4 for the neuron"
        )
    if args.check:
        return 0
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    drawn = mg.viz.draw_dot(o, filename=args.out, format=args.format)
    if isinstance(drawn, str) and drawn.endswith(args.format):
        print(f"drew o = tanh(x1*w1 + x2*w2 + b) with data and grad of every node: {drawn}")
        print("Your own expressions: make shell, then draw(your_value).")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import time

    from kata import demo, demo_bonus, deps

    mg = _load_impl(args.impl)
    wanted = [name for name in args.runs.split(",") if name]
    bonus = [name for name in wanted if name in demo_bonus.RUNS]  # they say themselves when not ready
    training = [name for name in wanted if name not in demo_bonus.RUNS]
    if training:
        try:
            demo.ready(mg)
        except NotImplementedError as error:
            return _not_ready(error, "make demo", args.impl, "steps 2 to 6 (the engine, the network and training)")
    if args.check:
        return 0
    problem = deps.problem("plots", "demo")
    if problem and training:
        print(problem, file=sys.stderr)
        return 2
    started = time.perf_counter()
    if training:
        runs = demo.run(mg, training, out=Path(args.out), gc_mode=args.gc)
        print(f"\ntrained with {args.impl}/micrograd, garbage collector {args.gc}:")
        for run in runs:
            print(f"  {run.name:<6} {run.seconds:6.1f} s  {run.summary}")
            for path in run.files:
                print(f"         {path}")
    for part in demo_bonus.run(mg, bonus, Path(args.out), plots=not problem):
        print("\n" + "\n".join(part.lines))
        for path in part.files:
            print(f"  {path}")
    print(f"all in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_shell(args: argparse.Namespace) -> int:
    from kata import shell

    return shell.main(args.impl, notebook=args.notebook)


def cmd_compare(args: argparse.Namespace) -> int:
    from kata import reference_notes
    from kata.runner import last_state

    manifest = load()
    step = parse_step(args.step, manifest, "compare")
    if step is None:
        raise UsageError("which step? python -m kata compare 3")
    text = reference_notes.text(step, manifest)
    if text is None:
        print("This copy of the kata has no annotated reference: your course keeps it closed.")
        return 0
    if last_state(args.impl).get(step.number, {}).get("state") != "passed":
        print(f"Step {step.number} has not passed yet (make test-step{step.number}): the reference opens once it does.")
        return 1
    print(text)
    return 0


def cmd_setup(args: argparse.Namespace) -> int:
    from kata import deps

    return deps.setup(plots=args.plots)


def cmd_selftest(args: argparse.Namespace) -> int:
    """The self test of a fresh copy: every stub imports and every step reports todo (or blocked by an
    earlier step's stubs), and nothing else."""
    from kata.catalogue import STEPS, has_oracle, public_cases
    from kata.runner import run_step

    manifest = load()
    problems = []
    if not has_oracle():
        for number in STEPS:
            try:
                public_cases(number)
            except (RuntimeError, KeyError) as error:
                problems.append(f"the recorded cases of step {number} cannot be read: {error}")
    for step in manifest.steps:
        result = run_step(step, impl=args.impl, capture=True)
        ok = result.todo + result.blocked == result.total > 0 and not result.failed and result.state == "todo"
        print(
            f"step {step.number}: {result.todo} todo, {result.blocked} blocked, {result.passed} passed, "
            f"{result.failed} failing ... {'ok' if ok else 'NOT todo-only'}"
        )
        if not ok:
            problems.append(f"step {step.number} is not all todo:\n{result.output[-2000:]}")
    for problem in problems:
        print(problem, file=sys.stderr)
    print("self test: " + ("the stubs import and every step reports todo" if not problems else "FAILED"))
    return 1 if problems else 0


def cmd_spec(args: argparse.Namespace) -> int:
    from kata.spec import spec_text

    print(spec_text(load().step(int(args.step))))
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    from kata.paths import has_reference

    if not has_reference():
        print(
            "error: the maintainers' commands need the maintainers' repository (this copy has no solutions/)",
            file=sys.stderr,
        )
        return 2
    from kata.dev.cli import main as dev_main

    return dev_main(args.dev_args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata", description="The micrograd kata's commands.")
    commands = parser.add_subparsers(dest="command", required=True)

    test = commands.add_parser("test", help="run a step's suite (make test-stepN)")
    test.add_argument("step", nargs="?", help="a step number, or 'all'")
    test.add_argument("--impl", default="exercises", help="exercises (default), solutions, or a folder with micrograd/")
    test.add_argument("pytest_args", nargs="*", help="extra pytest arguments, after -- (e.g. -- -k mul)")
    test.set_defaults(run=cmd_test)

    hint = commands.add_parser("hint", help="the next hint where you are (make hint, make hint STEP=N)")
    hint.add_argument("step", nargs="?", help="the step number (default: the step you are at)")
    hint.add_argument("--impl", default="exercises")
    hint.add_argument("--general", action="store_true", help="the step's own hints, not those of one function")
    hint.add_argument("--reset", action="store_true", help="forget how many hints were shown")
    hint.set_defaults(run=cmd_hint)

    progress = commands.add_parser("progress", help="every step's passed/failing/todo counts (make progress)")
    progress.add_argument("--impl", default="exercises")
    progress.set_defaults(run=cmd_progress)

    watch = commands.add_parser("watch", help="your current step's result on every save (make watch)")
    watch.add_argument("--impl", default="exercises")
    watch.add_argument("--interval", type=float, default=0.2, help="seconds between checks for changes")
    watch.add_argument("--no-clear", action="store_true", help="do not clear the screen between runs")
    watch.set_defaults(run=cmd_watch)

    reset = commands.add_parser("reset", help="put a step's stubs back, after a backup (make reset STEP=N)")
    reset.add_argument("step", nargs="?")
    reset.add_argument("--impl", default="exercises")
    reset.add_argument("--whole-file", action="store_true", help="reset the step's whole file (all its steps)")
    reset.set_defaults(run=cmd_reset)

    shell = commands.add_parser("shell", help="a Python prompt with your micrograd imported (make shell)")
    shell.add_argument("--impl", default="exercises")
    shell.add_argument("--notebook", action="store_true", help="write a playground notebook (if Jupyter is there)")
    shell.set_defaults(run=cmd_shell)

    graph = commands.add_parser("graph", help="draw an example Value graph with your engine (make graph)")
    graph.add_argument("--impl", default="exercises")
    graph.add_argument("--format", default="svg", choices=["svg", "png"])
    graph.add_argument("--out", default="build/graph", help="file name without its extension")
    graph.add_argument("--check", action="store_true", help="only check that the engine can do it")
    graph.set_defaults(run=cmd_graph)

    demo = commands.add_parser(
        "demo",
        help="train XOR, two moons and a sine fit with your engine, compare depths, then the bonus steps' costs",
    )
    demo.add_argument("--impl", default="exercises")
    demo.add_argument("--runs", default="xor,moons,sine,depth,cost,checkpoint", help="which runs, comma separated")
    demo.add_argument(
        "--gc",
        default="managed",
        choices=["managed", "default"],
        help="manage the garbage collector while training (default: managed)",
    )
    demo.add_argument("--out", default="build/demo")
    demo.add_argument("--check", action="store_true", help="only check that the engine can do it")
    demo.set_defaults(run=cmd_demo)

    compare = commands.add_parser(
        "compare", help="the annotated reference of a step you passed (if your course allows)"
    )
    compare.add_argument("step", nargs="?")
    compare.add_argument("--impl", default="exercises")
    compare.set_defaults(run=cmd_compare)

    setup = commands.add_parser("setup", help="create .venv with the pinned test tools (for use without make)")
    setup.add_argument("--plots", action="store_true", help="also matplotlib and graphviz, for graph and demo")
    setup.set_defaults(run=cmd_setup)

    selftest = commands.add_parser("selftest", help="check a fresh copy: the stubs import, every step is todo")
    selftest.add_argument("--impl", default="exercises")
    selftest.set_defaults(run=cmd_selftest)

    spec = commands.add_parser("spec", help="what step N checks, in words, with one example each")
    spec.add_argument("step", help="the step number")
    spec.set_defaults(run=cmd_spec)

    dev = commands.add_parser("dev", help="the maintainers' commands (need solutions/): python -m kata dev --help")
    dev.add_argument("dev_args", nargs=argparse.REMAINDER)
    dev.set_defaults(run=cmd_dev)

    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["dev"]:  # the maintainers' commands parse their own arguments (and --help)
        return cmd_dev(argparse.Namespace(dev_args=argv[1:]))
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []  # for pytest, untouched by argparse
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    if hasattr(args, "pytest_args"):
        args.pytest_args = [*args.pytest_args, *extra]
    if args.command in NEEDS_TEST_TOOLS:
        from kata import deps

        problem = deps.problem("student", " ".join(argv))
        if problem:
            print(problem, file=sys.stderr)
            return 2
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("\nstopped.")
        return 130
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (KeyError, ValueError) as error:
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"error: {message}", file=sys.stderr)
        return 2
