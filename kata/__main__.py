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

from kata import exercises as generator
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
