"""python -m kata dev <command>: the maintainers' commands. They need solutions/, so they exist only in
the maintainers' repository (`python -m kata dev` says so anywhere else); each has a make twin.

python -m kata dev exercises [--check] [--upto N] [--out DIR]   regenerate exercises/ (make exercises)
python -m kata dev ladder                                       the stub ladder of make check (make ladder)
python -m kata dev student-release [--out DIR]                  build the release (make student-release)
python -m kata dev steps-table                                   the README's steps table, from kata.toml
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kata.dev import exercises as generator
from kata.dev import release
from kata.dev.ladder import run_ladder
from kata.dev.readme import block
from kata.manifest import load
from kata.paths import EXERCISES, PACKAGE, SOLUTIONS


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
    return run_ladder()


def cmd_release(args: argparse.Namespace) -> int:
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
    print(block(load()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kata dev", description="The kata's maintainers' commands.")
    commands = parser.add_subparsers(dest="command", required=True)

    ex = commands.add_parser("exercises", help="generate exercises/ from solutions/ (make exercises)")
    ex.add_argument("--check", action="store_true", help="only compare with what is committed")
    ex.add_argument("--upto", type=int, default=0, help="keep the reference code of steps <= N")
    ex.add_argument("--out", help="write into OUT/micrograd instead of exercises/")
    ex.set_defaults(run=cmd_exercises)

    ladder = commands.add_parser("ladder", help="every rung: steps <= N solved pass, later steps are todo")
    ladder.set_defaults(run=cmd_ladder)

    student_release = commands.add_parser("student-release", help="build the student release (make student-release)")
    student_release.add_argument("--out", default="build/student-release")
    student_release.set_defaults(run=cmd_release)

    table = commands.add_parser("steps-table", help="print the README's steps table, made from kata.toml")
    table.set_defaults(run=cmd_steps_table)

    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    return int(args.run(args))
